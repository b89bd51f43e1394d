using System.Net;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Answers that are failures of this request, thrown as what they are: a final 401 or 403 is an
/// <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.Authentication"/> whose message says which
/// token was rejected (and whether it had been renewed); a 404 to a request on a session the server forgot is an
/// <see cref="HttpRequestException"/> with status 404.
/// </summary>
internal sealed class McpResponseTranslationHandler(McpAuth auth) : DelegatingHandler
{
    private const string McpSessionIdHeader = "Mcp-Session-Id";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri!;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            var mode = auth.ModeFor(uri);
            throw McpGatewayException.Authentication(DescribeRejection(request, mode, status, uri), status, uri, mode);
        }

        var rpcMethod = McpRpcRequestHandler.MethodOf(request);
        if (response.StatusCode == HttpStatusCode.NotFound && request.Method == HttpMethod.Post && rpcMethod is not null &&
            request.Headers.Contains(McpSessionIdHeader))
        {
            // The server forgot the session. Thrown rather than answered: on a 404 answer the SDK closes the whole
            // transport, which cancels the other calls in flight on the session, whose answers may still come (their
            // tools may have run: they must not be resent). This request alone fails; it reached no tool, so the
            // caller initializes a new session once and resends it (McpGatewayClient).
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.Unknown, $"The MCP server at '{uri.GetLeftPart(UriPartial.Path)}' no longer knows the session (HTTP 404 to {rpcMethod}).", null, HttpStatusCode.NotFound);
        }

        return response;
    }

    private string DescribeRejection(HttpRequestMessage request, McpAuthMode mode, int status, Uri uri)
    {
        var where = uri.GetLeftPart(UriPartial.Path);
        if (status == 403)
        {
            return $"The MCP server at '{where}' refused access (HTTP 403) with {auth.DescribeFor(uri)}. Check that this identity may use this dependency.";
        }

        var renewed = request.Options.TryGetValue(McpTokenRenewalHandler.RenewedKey, out var r) && r;
        request.Options.TryGetValue(McpBearerHandler.SentTokenKey, out var sent);
        return mode switch
        {
            McpAuthMode.GatewayToken when renewed =>
                $"The MCP server at '{where}' rejected the {auth.DescribeFor(uri)} (HTTP 401) even after it was renewed (now {sent?.Fingerprint}). Check the gateway credentials and that the token is meant for this gateway.",
            McpAuthMode.GatewayToken =>
                $"The MCP server at '{where}' rejected the {auth.DescribeFor(uri)} (HTTP 401).",
            McpAuthMode.SignIn =>
                $"The MCP server at '{where}' rejected the signed-in token {sent?.Fingerprint} (HTTP 401) even after it was renewed.",
            McpAuthMode.FixedToken =>
                $"The MCP server at '{where}' rejected the {auth.DescribeFor(uri)} (HTTP 401); a given token is not renewed.",
            _ =>
                $"The MCP server at '{where}' requires authentication (HTTP 401) and no token was sent: it is not on the gateway's origin.",
        };
    }
}
