using System.Diagnostics.CodeAnalysis;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// Enterprise-managed authorization (issue 24) on the sign-in path: for an authorization server set with an identity
/// provider, a token is had without a person: the user's token (with the call, else from the provider set for that
/// server) exchanged at the identity provider for an ID-JAG, redeemed at the authorization server (jwt-bearer). The
/// token is cached as <see cref="TokenKind.EnterpriseManaged"/> under the user's fingerprint (never the token), bound to
/// the endpoint and that user; one exchange per endpoint and user at a time; a 401 drops it and the next exchange renews it.
/// </summary>
internal sealed partial class OAuthTokens
{
    /// <summary>Between an endpoint's key and a user's fingerprint in a binding key.</summary>
    private const string UserSeparator = "#user:";

    /// <summary>True when some authorization server is set for enterprise-managed authorization (a call may then have a token without a sign-in).</summary>
    public bool HasEnterpriseManagedClients => _settings.Values.Any(s => s.IsEnterpriseManaged);

    /// <summary>The binding (and single-flight) key of an endpoint for a call: with the call's user, that user's.</summary>
    internal static string BindingKey(Uri endpoint, EnterpriseUser? user) =>
        user is null ? EndpointKey(endpoint) : EndpointKey(endpoint) + UserSeparator + user.Fingerprint;

    /// <summary>
    /// The entry bound to <paramref name="endpoint"/> for <paramref name="user"/> (under the lock): the user's own, else the
    /// endpoint's unless that one is another user's. Without a user (no token with the call), the endpoint's.
    /// </summary>
    private bool TryGetBound(Uri endpoint, EnterpriseUser? user, [NotNullWhen(true)] out Entry? entry)
    {
        var endpointKey = EndpointKey(endpoint);
        if (user is not null && _bindings.TryGetValue(endpointKey + UserSeparator + user.Fingerprint, out var userKey) && _cache.TryGet(userKey, out entry))
        {
            return true;
        }

        if (_bindings.TryGetValue(endpointKey, out var key) && _cache.TryGet(key, out entry) &&
            (user is null || entry.User is null || string.Equals(entry.User, user.Fingerprint, StringComparison.Ordinal)))
        {
            return true;
        }

        entry = null;
        return false;
    }

    private async Task<AccessToken> EnterpriseCoreAsync(
        HttpClient http, Uri endpoint, string endpointKey, OAuthChallenge challenge, OAuthServerInfo info, OAuthClientSettings settings, IAuthorizationInteraction? interaction, EnterpriseUser? user, CancellationToken cancellationToken)
    {
        var server = info.Server;
        var where = OAuthDiscovery.Where(endpoint);
        var identityProvider = settings.IdentityProvider!;
        OAuthDiscovery.RequireSafe(identityProvider, endpoint, "the identity provider");
        user ??= await UserFromProviderAsync(endpoint, server, settings, interaction, cancellationToken).ConfigureAwait(false);
        if (settings.ClientId is not { } clientId)
        {
            throw new OAuthException(
                OAuthErrorKind.NoClient,
                $"Enterprise-managed authorization is set for the authorization server '{server.IssuerText}' of the MCP server at '{where}' without the client id this module has there; the ID-JAG is issued to that client.",
                endpoint)
            { Issuer = server.Issuer };
        }

        var client = new OAuthClient(clientId, settings.ClientSecret, AuthMethodFor(server, settings.HasClientSecret), "configured");
        var scope = EnterpriseGrant.ScopeOf(ScopeFor(challenge, info, settings));
        var resource = info.Resource ?? endpoint.GetLeftPart(UriPartial.Path);
        CallLog.Verbose($"Enterprise-managed authorization for {where}: exchanging the token of {user} at the identity provider {EnterpriseGrant.Where(identityProvider)} for an ID-JAG (audience {server.IssuerText}, resource {resource}, scope {scope ?? "none"}).");
        var exchange = EnterpriseGrant.TokenExchangeForm(user.Token, server.IssuerText, resource, scope, settings.IdentityProviderClientId ?? clientId, settings.IdentityProviderClientSecret);
        var idJag = await EnterpriseGrant.RequestIdJagAsync(http, identityProvider, exchange, endpoint, cancellationToken).ConfigureAwait(false);

        CallLog.Verbose($"ID-JAG {AccessToken.FingerprintOf(idJag)} issued by {EnterpriseGrant.Where(identityProvider)}: redeeming it at {server.IssuerText} (jwt-bearer, {client}).");
        OAuthTokenAnswer answer;
        try
        {
            answer = await OAuthFlow.RequestTokenAsync(http, server, client, EnterpriseGrant.JwtBearerForm(idJag, scope, resource), endpoint, "ID-JAG (jwt-bearer grant)", cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthException e) when (e.Kind == OAuthErrorKind.Refused)
        {
            throw new OAuthException(
                OAuthErrorKind.AssertionRefused,
                $"Enterprise-managed authorization for the MCP server at '{where}', step 2 (redeeming the ID-JAG at the authorization server '{server.IssuerText}'): {e.Message}",
                endpoint,
                e)
            { Issuer = server.Issuer, OAuthError = e.OAuthError };
        }

        return Store(endpointKey, info, client, answer.Scope ?? scope, answer, null, TokenKind.EnterpriseManaged, user.Fingerprint);
    }

    /// <summary>The user's token from the provider set for the authorization server, run by the call's interaction; refused with <see cref="OAuthErrorKind.UserTokenMissing"/> when there is none.</summary>
    private static async Task<EnterpriseUser> UserFromProviderAsync(Uri endpoint, AuthorizationServerMetadata server, OAuthClientSettings settings, IAuthorizationInteraction? interaction, CancellationToken cancellationToken)
    {
        var where = OAuthDiscovery.Where(endpoint);
        var why = "no user token came with the call and no user token provider is set for that authorization server";
        if (settings.UserTokenProvider is { } provider)
        {
            string? token;
            try
            {
                token = interaction is null
                    ? null
                    : await interaction.GetUserTokenAsync(provider, new OAuthUserTokenRequest(server.Issuer, settings.IdentityProvider!, endpoint), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OAuthException))
            {
                throw new OAuthException(
                    OAuthErrorKind.UserTokenMissing,
                    $"Enterprise-managed authorization for the MCP server at '{where}': the user token provider set for the authorization server '{server.IssuerText}' failed: {e.Message}",
                    endpoint,
                    e)
                { Issuer = server.Issuer };
            }

            if (!string.IsNullOrWhiteSpace(token))
            {
                JwtReader.ThrowIfNotJwt(token.Trim());
                CallLog.Verbose($"The user token provider set for {server.IssuerText} gave the token of {EnterpriseUser.FingerprintOf(token.Trim())}.");
                return EnterpriseUser.Of(token);
            }

            why = interaction is null
                ? "no user token came with the call, and the user token provider set for that authorization server cannot run from this command"
                : "no user token came with the call, and the user token provider set for that authorization server returned none";
        }

        throw new OAuthException(
            OAuthErrorKind.UserTokenMissing,
            $"Enterprise-managed authorization is set for the authorization server '{server.IssuerText}' of the MCP server at '{where}', and {why}.",
            endpoint)
        { Issuer = server.Issuer };
    }
}
