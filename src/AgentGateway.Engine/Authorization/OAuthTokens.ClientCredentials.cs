using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The client credentials grant (issue 24, SEP-1046) on the sign-in path: for an authorization server set with a client
/// credentials client, a 401 runs <see cref="ClientCredentialsGrant"/> instead of a sign-in (no person); the token is
/// cached as <see cref="TokenKind.ClientCredentials"/>, shared by concurrent callers (the endpoint's one flight), and
/// the grant runs again after a 401 and ahead of expiry (there is no refresh token).
/// </summary>
internal sealed partial class OAuthTokens
{
    /// <summary>True when a client credentials client is set for some authorization server (its tokens need no person).</summary>
    public bool HasClientCredentialsClients => _settings.Values.Any(s => s.IsClientCredentials);

    private async Task<AccessToken> ClientCredentialsCoreAsync(
        HttpClient http, string endpointKey, OAuthChallenge challenge, OAuthServerInfo info, OAuthClientSettings settings, CancellationToken cancellationToken)
    {
        var client = ClientCredentialsGrant.ClientOf(info.Server, settings);
        var scope = ClientCredentialsGrant.ScopeFor(challenge, info, settings);
        var answer = await ClientCredentialsGrant.RequestAsync(http, info, client, scope, cancellationToken).ConfigureAwait(false);
        return Store(endpointKey, info, client, answer.Scope ?? scope, answer, null, TokenKind.ClientCredentials);
    }

    /// <summary>Nothing to refresh with: the grant runs again, with the client as it is configured now.</summary>
    private async Task<AccessToken> RegrantAsync(string endpointKey, Entry entry, CancellationToken cancellationToken)
    {
        var settings = SettingsFor(entry.Info.Server.Issuer);
        var client = settings is { IsClientCredentials: true } ? ClientCredentialsGrant.ClientOf(entry.Info.Server, settings) : entry.Client;
        var answer = await ClientCredentialsGrant.RequestAsync(Http(), entry.Info, client, entry.Scope, cancellationToken).ConfigureAwait(false);
        return Store(endpointKey, entry.Info, client, answer.Scope ?? entry.Scope, answer, null, TokenKind.ClientCredentials);
    }
}
