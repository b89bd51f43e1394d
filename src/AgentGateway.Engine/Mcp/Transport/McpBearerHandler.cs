using System.Net.Http.Headers;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Attaches the bearer token <see cref="McpAuth.ModeFor"/> chooses for the request's origin, and only that: the
/// provider's token (from its cache, or one fetch), the given token, or none. The provider token sent is left on
/// the request (<see cref="SentTokenKey"/>) for the 401 policy (<see cref="McpTokenRenewalHandler"/>) and the
/// message of a rejection.
/// </summary>
internal sealed class McpBearerHandler(McpAuth auth) : DelegatingHandler
{
    /// <summary>The provider token this request was last sent with.</summary>
    public static HttpRequestOptionsKey<AccessToken> SentTokenKey => new("AgentGateway.Mcp.SentToken");

    // Only the provider's token is awaited; the other modes pass without a state machine of this handler (fewer
    // methods to JIT on a first call).
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (auth.ModeFor(request.RequestUri!))
        {
            case McpAuthMode.GatewayToken:
                return SendWithProviderTokenAsync(request, cancellationToken);
            case McpAuthMode.SignIn:
                // The cached token of this endpoint, if any (never over plain http but to loopback); else none: a 401
                // then leads to discovery and a sign-in (McpTokenRenewalHandler).
                request.Headers.Authorization = null;
                if (auth.SignInTokens!.TokenFor(request.RequestUri!, auth.EnterpriseUser) is { } signedIn && TransportRule.MaySendBearerTo(request.RequestUri!))
                {
                    request.Options.Set(SentTokenKey, signedIn);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", signedIn.Value);
                }

                break;
            case McpAuthMode.FixedToken:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.FixedToken);
                break;
            default:
                request.Headers.Authorization = null;
                break;
        }

        return base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendWithProviderTokenAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A DELETE ends the MCP session of a pooled client being closed: its token is not a call's cache hit.
        var token = await (request.Method == HttpMethod.Delete
            ? auth.TokenSource!.GetTokenToEndSessionAsync(auth.UserJwt, auth.UserKey, cancellationToken)
            : auth.TokenSource!.GetTokenAsync(auth.UserJwt, auth.UserKey, cancellationToken)).ConfigureAwait(false);
        request.Options.Set(SentTokenKey, token);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
