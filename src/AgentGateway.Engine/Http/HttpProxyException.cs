using System.Net;

namespace AgentGateway.Engine.Http;

/// <summary>
/// A request failed at the proxy: it asked for credentials (HTTP 407: <see cref="ProxyAuthenticationRequired"/>),
/// refused the tunnel, or could not be reached. Nothing reached the destination. Names the proxy, never its credentials.
/// </summary>
public sealed class HttpProxyException : HttpRequestException
{
    public HttpProxyException()
    {
    }

    public HttpProxyException(string message)
        : base(message)
    {
    }

    public HttpProxyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public HttpProxyException(string message, Uri proxy, Uri? destination, int? proxyStatus, bool credentialsSent, Exception? innerException)
        : base(HttpRequestError.ProxyTunnelError, message, innerException, proxyStatus is { } s ? (HttpStatusCode)s : null)
    {
        Proxy = proxy;
        Destination = destination;
        ProxyStatus = proxyStatus;
        CredentialsSent = credentialsSent;
    }

    /// <summary>The proxy (no user info).</summary>
    public Uri? Proxy { get; }

    /// <summary>Where the request was going.</summary>
    public Uri? Destination { get; }

    /// <summary>The proxy's HTTP status (407, 403, 502...), or null when it could not be reached.</summary>
    public int? ProxyStatus { get; }

    /// <summary>Whether credentials were offered to the proxy (and so were not accepted).</summary>
    public bool CredentialsSent { get; }

    /// <summary>The proxy wants credentials it was not given, or refused the ones it was given.</summary>
    public bool ProxyAuthenticationRequired => ProxyStatus == 407;
}
