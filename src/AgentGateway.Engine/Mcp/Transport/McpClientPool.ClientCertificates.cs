using System.Collections.Concurrent;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>The pool's client certificates of endpoints (<see cref="McpPoolOptions.ClientCertificates"/>): a socket handler per certificate, and a refusal named.</summary>
internal sealed partial class McpClientPool
{
    private readonly ConcurrentDictionary<EndpointCertificate, Lazy<HttpMessageHandler>> _certificateHandlers = new();

    /// <summary>The handler of the endpoints of <paramref name="certificate"/>: the shared one's trust and proxy, presenting that certificate.</summary>
    private Lazy<HttpMessageHandler> NewCertificateHandler(EndpointCertificate certificate) =>
        new(() => Options.PrimaryHandlerFactory is { } factory
            ? factory()
            : TlsTrust.CreateStack(Options.Proxy, Options.GetEnvironmentVariable, TrustedRoots(), certificate.Certificate, certificate.Chain, TlsFailures));

    /// <summary>What this pool's handshakes said about client certificates.</summary>
    internal McpClientCertificateLog CertificateLog { get; } = new();

    /// <summary>
    /// A connection failure of <paramref name="endpoint"/> named for its client certificate, or null: the server asked for
    /// one where none is configured and ended the connection (it requires one), or it never answered through the
    /// connection that presented the configured one (it refused it).
    /// </summary>
    internal McpGatewayException? ClientCertificateFailure(Uri endpoint, Exception exception)
    {
        if (!string.Equals(endpoint.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var where = endpoint.GetLeftPart(UriPartial.Path);
        var certificate = Options.ClientCertificates.Match(endpoint);
        if (certificate is null)
        {
            return CertificateLog.TakeAsked(endpoint.Host)
                ? McpGatewayException.Tls(
                    $"The MCP server at '{where}' asked for a client certificate and ended the connection without one: it requires a client certificate, and none is configured for this endpoint. Nothing was sent.",
                    TlsFailureCause.ClientCertificateRequired,
                    endpoint,
                    exception)
                : null;
        }

        return CertificateLog.EverAnswered(certificate.Prefix.AbsoluteUri)
            ? null
            : McpGatewayException.Tls(
                $"The MCP server at '{where}' ended the connection that presented the client certificate {certificate.Certificate.Subject} ({certificate.Fingerprint[..8]}…, configured for {certificate.Prefix}): most likely it refused that certificate (not issued by a CA it trusts, revoked, or not the one it expects). Nothing was sent.",
                TlsFailureCause.ClientCertificateRefused,
                endpoint,
                exception);
    }
}
