using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Http;

/// <summary>
/// Right above the socket handler: a failure at the proxy (a 407 answer, a refused CONNECT tunnel, a proxy that cannot
/// be reached) becomes an <see cref="HttpProxyException"/> naming the proxy, so that no error blames the destination
/// for what the proxy did.
/// </summary>
internal sealed partial class ProxyErrorHandler : DelegatingHandler
{
    private readonly ClientProxy _proxy;

    public ProxyErrorHandler(ClientProxy proxy, HttpMessageHandler inner)
        : base(inner)
    {
        _proxy = proxy;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e is not HttpProxyException && request.RequestUri is { } destination &&
                                             e.HttpRequestError is HttpRequestError.ProxyTunnelError or HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError &&
                                             _proxy.RouteFor(destination) is { Proxy: { } proxy })
        {
            throw Failure(proxy, destination, e.HttpRequestError == HttpRequestError.ProxyTunnelError ? TunnelStatus(e) : null, e);
        }

        // A request sent to the proxy itself (plain http through a forwarding proxy) gets its 407 as an answer.
        if (response.StatusCode == HttpStatusCode.ProxyAuthenticationRequired && request.RequestUri is { } target && _proxy.RouteFor(target) is { Proxy: { } via })
        {
            response.Dispose();
            throw Failure(via, target, 407, null);
        }

        return response;
    }

    private HttpProxyException Failure(Uri proxy, Uri destination, int? status, Exception? inner)
    {
        var sent = _proxy.HasCredentialFor(proxy);
        var name = ProxySettings.Describe(proxy);
        var to = destination.GetLeftPart(UriPartial.Authority);
        var message = status switch
        {
            407 when sent => $"The proxy '{name}' refused the credentials given for it (HTTP 407 Proxy Authentication Required) on the way to '{to}'; nothing was sent there.",
            407 => $"The proxy '{name}' requires authentication (HTTP 407 Proxy Authentication Required) on the way to '{to}', and no credentials are set for it; nothing was sent there.",
            { } code => string.Create(CultureInfo.InvariantCulture, $"The proxy '{name}' refused the tunnel to '{to}' (HTTP {code}); nothing was sent there."),
            null when inner is HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError } => $"The tunnel through the proxy '{name}' to '{to}' failed ({inner.Message.Replace(proxy.ToString(), name, StringComparison.Ordinal)}); nothing was sent there.",
            null => $"Cannot reach the proxy '{name}' (used for '{to}'): {(inner as HttpRequestException)?.HttpRequestError switch { HttpRequestError.NameResolutionError => "its host name does not resolve", _ => "no connection could be made (refused, or no answer)" }}; nothing was sent.",
        };
        return new HttpProxyException(message, proxy, destination, status, sent, inner);
    }

    /// <summary>The proxy's status from the HTTP stack's tunnel error (it keeps the code only in its message).</summary>
    private static int? TunnelStatus(HttpRequestException e) =>
        e.StatusCode is { } code ? (int)code
        : StatusInMessage().Match(e.Message) is { Success: true } m ? int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture)
        : null;

    [GeneratedRegex(@"status code '?(\d{3})'?")]
    private static partial Regex StatusInMessage();
}
