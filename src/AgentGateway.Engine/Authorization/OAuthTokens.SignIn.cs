using System.Globalization;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// A sign-in (authorization code with PKCE S256): discovery, the client identity, the authorization request completed
/// by the interaction within the sign-in bound, the code exchanged; and the choice of client identity and scopes.
/// </summary>
internal sealed partial class OAuthTokens
{
    private async Task<AccessToken> SignInCoreAsync(Uri endpoint, string endpointKey, OAuthChallenge challenge, IAuthorizationInteraction? interaction, EnterpriseUser? user, ICallLogSink? log, CancellationToken cancellationToken)
    {
        using var logScope = CallLog.Use(log);
        var http = Http();
        var info = await OAuthDiscovery.DiscoverAsync(http, endpoint, challenge, cancellationToken, issuer => SettingsFor(issuer) is not { IsClientCredentials: true }).ConfigureAwait(false);
        var server = info.Server;
        var settings = SettingsFor(server.Issuer);
        if (settings is { IsEnterpriseManaged: true })
        {
            return await EnterpriseCoreAsync(http, endpoint, endpointKey, challenge, info, settings, interaction, user, cancellationToken).ConfigureAwait(false);
        }

        if (settings is { IsClientCredentials: true })
        {
            return await ClientCredentialsCoreAsync(http, endpointKey, challenge, info, settings, cancellationToken).ConfigureAwait(false);
        }

        if (interaction is not { CanSignIn: true })
        {
            throw new OAuthException(
                OAuthErrorKind.SignInRequired,
                $"The MCP server at '{OAuthDiscovery.Where(endpoint)}' requires a sign-in (HTTP {challenge.Status}), and {interaction?.WhyNot ?? "no way to sign in was given"}.",
                endpoint);
        }

        var redirectUri = settings?.RedirectUri ?? new Uri("http://127.0.0.1/callback");
        var client = await ClientForAsync(http, info, settings, redirectUri, endpoint, cancellationToken).ConfigureAwait(false);
        var scope = ScopeFor(challenge, info, settings);

        var verifier = OAuthFlow.RandomValue();
        var state = OAuthFlow.RandomValue();
        using var listener = interaction.UsesLoopbackListener && LoopbackRedirectListener.CanListenOn(redirectUri) ? Listen(redirectUri, state, server, endpoint) : null;
        redirectUri = listener?.RedirectUri ?? redirectUri;
        var url = OAuthFlow.AuthorizationUrl(server, client.ClientId, redirectUri, OAuthFlow.ChallengeOf(verifier), state, info.Resource, scope);
        var bound = settings?.SignInTimeout ?? OAuthClientSettings.DefaultSignInTimeout;
        CallLog.Verbose($"Signing in at {server.IssuerText} for {OAuthDiscovery.Where(endpoint)} as {client} with scope '{scope ?? string.Empty}' (PKCE S256; at most {bound.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s).");

        Uri? redirected;
        using (var timeout = new CancellationTokenSource(bound, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                redirected = await interaction.AuthorizeAsync(new OAuthSignInRequest(url, redirectUri, server.Issuer, endpoint) { Listener = listener }, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OAuthException))
            {
                throw new OAuthException(
                    OAuthErrorKind.Refused,
                    $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' failed: {e.Message}",
                    endpoint,
                    e)
                { Issuer = server.Issuer };
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new OAuthException(
                    OAuthErrorKind.TimedOut,
                    $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' did not finish within {bound.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s.",
                    endpoint,
                    e)
                { Issuer = server.Issuer };
            }
        }

        if (redirected is null)
        {
            throw new OAuthException(OAuthErrorKind.Refused, $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' was declined.", endpoint) { Issuer = server.Issuer };
        }

        var code = OAuthFlow.CodeFrom(redirected, redirectUri, state, server, endpoint);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri.OriginalString,
            ["code_verifier"] = verifier,
        };
        if (info.Resource is not null)
        {
            form["resource"] = info.Resource;
        }

        var answer = await OAuthFlow.RequestTokenAsync(http, server, client, form, endpoint, "code exchange", cancellationToken).ConfigureAwait(false);
        return Store(endpointKey, info, client, answer.Scope ?? scope, answer, null);
    }

    /// <summary>The loopback listener of a browser sign-in (on the redirect URI's port, else a free one).</summary>
    private static LoopbackRedirectListener Listen(Uri redirectUri, string state, AuthorizationServerMetadata server, Uri endpoint)
    {
        try
        {
            return LoopbackRedirectListener.Start(redirectUri, state);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new OAuthException(
                OAuthErrorKind.Refused,
                $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' could not listen on the redirect URI '{redirectUri.GetLeftPart(UriPartial.Path)}': {e.Message}",
                endpoint,
                e)
            { Issuer = server.Issuer };
        }
    }

    /// <summary>
    /// The client identity for this server, first that applies: the configured client id (public, or with its secret),
    /// the configured client ID metadata document URL where the server takes them, the registration made earlier with
    /// this issuer, a dynamic registration (RFC 7591) where the server offers one.
    /// </summary>
    private async Task<OAuthClient> ClientForAsync(HttpClient http, OAuthServerInfo info, OAuthClientSettings? settings, Uri redirectUri, Uri endpoint, CancellationToken cancellationToken)
    {
        var server = info.Server;
        if (settings?.ClientId is not null)
        {
            return ClientCredentialsGrant.ClientOf(server, settings);
        }

        if (settings?.ClientMetadataUrl is { } document && server.ClientIdMetadataDocumentSupported)
        {
            return new OAuthClient(document.AbsoluteUri, null, "none", "client ID metadata document");
        }

        var issuerKey = OAuthClientSettings.KeyOf(server.Issuer);
        if (_registered.TryGetValue(issuerKey, out var registered))
        {
            return registered;
        }

        if (server.RegistrationEndpoint is { } registration)
        {
            var client = await OAuthFlow.RegisterAsync(http, server, registration, redirectUri, endpoint, cancellationToken).ConfigureAwait(false);
            _registered[issuerKey] = client;
            CallLog.Verbose($"Registered at {server.IssuerText} (RFC 7591): {client}.");
            return client;
        }

        throw new OAuthException(
            OAuthErrorKind.NoClient,
            $"No client identity for the authorization server '{server.IssuerText}' of the MCP server at '{OAuthDiscovery.Where(endpoint)}': none is configured for it{(server.ClientIdMetadataDocumentSupported ? string.Empty : ", it takes no client ID metadata documents")} and it offers no dynamic registration.",
            endpoint)
        { Issuer = server.Issuer };
    }

    /// <summary>A confidential client authenticates as the server lists (basic first, then post); a public one with none.</summary>
    internal static string AuthMethodFor(AuthorizationServerMetadata server, bool hasSecret)
    {
        if (!hasSecret)
        {
            return "none";
        }

        foreach (var method in new[] { "client_secret_basic", "client_secret_post" })
        {
            if (server.TokenEndpointAuthMethodsSupported.Contains(method, StringComparer.Ordinal))
            {
                return method;
            }
        }

        return "client_secret_basic";
    }

    /// <summary>Scopes: the challenge's, else the resource metadata's scopes_supported, else the configured ones, else none; offline_access only where the server lists it.</summary>
    internal static string? ScopeFor(OAuthChallenge challenge, OAuthServerInfo info, OAuthClientSettings? settings)
    {
        IEnumerable<string> scopes = challenge.Scope is { Length: > 0 } asked
            ? asked.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : info.ResourceScopes.Count > 0 ? info.ResourceScopes
            : settings?.Scopes ?? [];
        var list = scopes.Where(s => !string.Equals(s, "offline_access", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (info.Server.ScopesSupported.Contains("offline_access", StringComparer.Ordinal))
        {
            list.Add("offline_access");
        }

        return list.Count == 0 ? null : string.Join(' ', list);
    }
}
