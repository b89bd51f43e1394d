using System.Net;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The transport rule of an MCP request: no token over plain http except to a loopback address
/// (<see cref="McpAuth.EnsureSafeFor"/>); over https, HTTP/2 where the server offers it (ALPN), else HTTP/1.1, so
/// that concurrent calls to one gateway share one connection instead of opening one TLS connection each.
/// </summary>
internal sealed class McpTransportRuleHandler(McpAuth auth) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("An MCP request has no URI.");
        auth.EnsureSafeFor(uri);
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
