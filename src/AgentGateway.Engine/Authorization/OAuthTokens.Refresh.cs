using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// A refresh (one per endpoint, through the endpoint's flight): with the refresh token, or for a client credentials
/// token the grant run again.
/// </summary>
internal sealed partial class OAuthTokens
{
    private Task<AccessToken> StartRefresh(string endpointKey, Entry entry) =>
        _flights.Run(endpointKey, (_, ct) => RefreshCoreAsync(endpointKey, entry, ct), null, out _);

    private async Task<AccessToken> RefreshCoreAsync(string endpointKey, Entry entry, CancellationToken cancellationToken)
    {
        if (entry.Token.Kind == TokenKind.ClientCredentials)
        {
            return await RegrantAsync(endpointKey, entry, cancellationToken).ConfigureAwait(false);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = entry.RefreshToken!,
        };
        if (entry.Info.Resource is not null)
        {
            form["resource"] = entry.Info.Resource;
        }

        if (entry.Scope is not null)
        {
            form["scope"] = entry.Scope;
        }

        var answer = await OAuthFlow.RequestTokenAsync(Http(), entry.Info.Server, entry.Client, form, entry.Info.Endpoint, "refresh", cancellationToken).ConfigureAwait(false);

        // A server that does not rotate refresh tokens answers without one: the old one stays good.
        return Store(endpointKey, entry.Info, entry.Client, answer.Scope ?? entry.Scope, answer, entry.RefreshToken, entry.Token.Kind, entry.User);
    }
}
