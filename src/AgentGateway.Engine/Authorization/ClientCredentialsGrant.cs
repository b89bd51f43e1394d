using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The client credentials grant at an MCP server's authorization server (the MCP client credentials extension,
/// SEP-1046; RFC 6749 section 4.4): no person, the client authenticates with its secret (<c>client_secret_basic</c> or
/// <c>client_secret_post</c>, as the metadata lists) or with an assertion signed by its key (RFC 7523
/// <c>private_key_jwt</c>). Scopes as a sign-in chooses them (the challenge's, else the resource metadata's, else the
/// configured ones), without <c>offline_access</c> (no refresh token: the grant is simply run again); the resource
/// (RFC 8707) sent. <see cref="OAuthTokens"/> caches the token and runs this once per endpoint under concurrency.
/// </summary>
internal static class ClientCredentialsGrant
{
    public const string PrivateKeyJwt = "private_key_jwt";

    /// <summary>Checks the settings of a client credentials client: a client id and one way to authenticate (a secret or a key).</summary>
    public static void Validate(OAuthClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.HasClientSecret && settings.AssertionKey is not null)
        {
            throw new ArgumentException($"The client for '{settings.Issuer}' has both a secret and a signing key; it authenticates with one of them.", nameof(settings));
        }

        if (!settings.IsClientCredentials)
        {
            return;
        }

        if (settings.IsEnterpriseManaged)
        {
            throw new ArgumentException($"The client for '{settings.Issuer}' is set for enterprise-managed authorization (an identity provider) and for client credentials; it is one of them.", nameof(settings));
        }

        if (settings.ClientId is null)
        {
            throw new ArgumentException($"A client credentials client for '{settings.Issuer}' needs its client id.", nameof(settings));
        }

        if (!settings.HasClientSecret && settings.AssertionKey is null)
        {
            throw new ArgumentException($"The client credentials client '{settings.ClientId}' for '{settings.Issuer}' needs a client secret or a key to sign client assertions.", nameof(settings));
        }
    }

    /// <summary>
    /// The token endpoint authentication of a configured client: with a key, <c>private_key_jwt</c>; with a secret, as the
    /// server lists (<c>client_secret_basic</c> first, then <c>client_secret_post</c>; basic when it lists neither); else none.
    /// </summary>
    public static string AuthMethodFor(AuthorizationServerMetadata server, OAuthClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.AssertionKey is not null)
        {
            if (!server.TokenEndpointAuthMethodsSupported.Contains(PrivateKeyJwt, StringComparer.Ordinal))
            {
                CallLog.Verbose($"The authorization server {server.IssuerText} does not list {PrivateKeyJwt} (it lists {string.Join(", ", server.TokenEndpointAuthMethodsSupported.Select(m => ServerText.ForTerminal(m, 50)))}); sending a signed client assertion all the same, as configured.");
            }

            return PrivateKeyJwt;
        }

        return OAuthTokens.AuthMethodFor(server, settings.HasClientSecret);
    }

    /// <summary>The client identity of configured settings, with its secret or key.</summary>
    public static OAuthClient ClientOf(AuthorizationServerMetadata server, OAuthClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new OAuthClient(settings.ClientId!, settings.ClientSecret, AuthMethodFor(server, settings), "configured") { AssertionKey = settings.AssertionKey, AssertionToTokenEndpoint = settings.AssertionAudienceIsTokenEndpoint };
    }

    /// <summary>Scopes as a sign-in chooses them, without offline_access (the grant issues no refresh token).</summary>
    public static string? ScopeFor(OAuthChallenge challenge, OAuthServerInfo info, OAuthClientSettings settings)
    {
        var scope = OAuthTokens.ScopeFor(challenge, info, settings);
        var list = (scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !string.Equals(s, "offline_access", StringComparison.Ordinal)).ToList();
        return list.Count == 0 ? null : string.Join(' ', list);
    }

    /// <summary>
    /// Runs the grant. An OAuth error from the token endpoint (a wrong secret or key: invalid_client; unauthorized_client,
    /// invalid_scope, ...) is <see cref="OAuthErrorKind.ClientCredentialsRefused"/>; no secret, assertion or token reaches a message.
    /// </summary>
    public static async Task<OAuthTokenAnswer> RequestAsync(HttpClient http, OAuthServerInfo info, OAuthClient client, string? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(client);
        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["grant_type"] = "client_credentials" };
        if (!string.IsNullOrEmpty(scope))
        {
            form["scope"] = scope;
        }

        if (info.Resource is not null)
        {
            form["resource"] = info.Resource;
        }

        CallLog.Verbose($"Client credentials grant at {info.Server.IssuerText} for {OAuthDiscovery.Where(info.Endpoint)} as {client}{(client.AssertionKey is null ? string.Empty : $" (assertion signed with {client.AssertionKey})")} with scope '{scope ?? string.Empty}'.");
        try
        {
            return await OAuthFlow.RequestTokenAsync(http, info.Server, client, form, info.Endpoint, "client credentials grant", cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthException e) when (e.Kind == OAuthErrorKind.Refused && e.OAuthError is not null)
        {
            throw new OAuthException(OAuthErrorKind.ClientCredentialsRefused, e.Message, info.Endpoint, e.InnerException) { Issuer = info.Server.Issuer, OAuthError = e.OAuthError };
        }
    }
}
