using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The user of an enterprise-managed token: the user's token at the identity provider (an ID token) and a fingerprint
/// of who it names (its <c>iss</c> and <c>sub</c>, hashed), which keys the cache and the pooled sessions.
/// <see cref="ToString"/> shows the fingerprint only, never the token.
/// </summary>
internal sealed class EnterpriseUser
{
    private EnterpriseUser(string token, string fingerprint)
    {
        Token = token;
        Fingerprint = fingerprint;
    }

    /// <summary>The user's token at the identity provider (the subject token of the exchange); never shown.</summary>
    public string Token { get; }

    /// <summary>16 hex characters of SHA-256 over the token's issuer and subject (of the token itself when it names none).</summary>
    public string Fingerprint { get; }

    public static EnterpriseUser Of(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        token = token.Trim();
        return new EnterpriseUser(token, FingerprintOf(token));
    }

    /// <summary>Who <paramref name="token"/> names, as a fingerprint: the same user with a newer token keeps it.</summary>
    public static string FingerprintOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var claims = JwtReader.TryReadClaims(token);
        var who = claims?.Subject is { } sub ? "iss:" + claims.Issuer + "\nsub:" + sub : "token:" + token;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(who)))[..16];
    }

    public override string ToString() => $"user {Fingerprint}";
}

/// <summary>
/// Enterprise-managed authorization (the MCP extension; the IETF Identity Assertion JWT Authorization Grant): the user's
/// token at the enterprise identity provider is exchanged there for an ID-JAG (RFC 8693 token exchange), which the MCP
/// server's authorization server redeems for an access token (RFC 7523 jwt-bearer grant). The requests are built here,
/// and the identity provider's answer read; no message holds a token, an ID-JAG or a secret.
/// </summary>
internal static class EnterpriseGrant
{
    public const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string IdJagTokenType = "urn:ietf:params:oauth:token-type:id-jag";
    public const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";

    /// <summary>The token_type of an exchange answer whose token is not an access token (RFC 8693 section 2.2.1).</summary>
    public const string NotApplicableTokenType = "N_A";

    /// <summary>
    /// Step 1's form: the user's ID token for an ID-JAG whose audience is the MCP server's authorization server (its
    /// issuer) and whose resource is the MCP server; the identity provider's client in the form (as the SDK sends it).
    /// </summary>
    public static Dictionary<string, string> TokenExchangeForm(string userToken, string audience, string resource, string? scope, string clientId, string? clientSecret)
    {
        ArgumentException.ThrowIfNullOrEmpty(userToken);
        ArgumentException.ThrowIfNullOrEmpty(audience);
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = TokenExchangeGrant,
            ["requested_token_type"] = IdJagTokenType,
            ["subject_token"] = userToken,
            ["subject_token_type"] = IdTokenType,
            ["audience"] = audience,
            ["resource"] = resource,
            ["client_id"] = clientId,
        };
        if (!string.IsNullOrEmpty(clientSecret))
        {
            form["client_secret"] = clientSecret;
        }

        if (!string.IsNullOrEmpty(scope))
        {
            form["scope"] = scope;
        }

        return form;
    }

    /// <summary>Step 2's form (before the client's authentication is added): the ID-JAG as a jwt-bearer assertion, with the scope and the resource (RFC 8707).</summary>
    public static Dictionary<string, string> JwtBearerForm(string idJag, string? scope, string? resource)
    {
        ArgumentException.ThrowIfNullOrEmpty(idJag);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = JwtBearerGrant,
            ["assertion"] = idJag,
        };
        if (!string.IsNullOrEmpty(scope))
        {
            form["scope"] = scope;
        }

        if (!string.IsNullOrEmpty(resource))
        {
            form["resource"] = resource;
        }

        return form;
    }

    /// <summary>Scopes for an enterprise-managed token: as for a sign-in, without <c>offline_access</c> (the grant is repeated, not refreshed).</summary>
    public static string? ScopeOf(string? signInScope)
    {
        if (signInScope is null)
        {
            return null;
        }

        var list = signInScope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !string.Equals(s, "offline_access", StringComparison.Ordinal)).ToList();
        return list.Count == 0 ? null : string.Join(' ', list);
    }

    /// <summary>Step 1: POSTs the exchange to the identity provider's token endpoint and returns the ID-JAG.</summary>
    public static async Task<string> RequestIdJagAsync(HttpClient http, Uri identityProvider, Dictionary<string, string> form, Uri endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(identityProvider);
        using var request = new HttpRequestMessage(HttpMethod.Post, identityProvider) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OAuthException(
                OAuthErrorKind.IdentityProviderRefused,
                $"Enterprise-managed authorization for the MCP server at '{OAuthDiscovery.Where(endpoint)}', step 1 (token exchange at the identity provider '{Where(identityProvider)}'): the identity provider could not be reached: {e.Message}",
                endpoint,
                e)
            { Issuer = identityProvider };
        }

        using (response)
        {
            var body = await OAuthDiscovery.ReadBoundedAsync(response, OAuthFlow.MaxTokenAnswerBytes, cancellationToken).ConfigureAwait(false) ?? string.Empty;
            return ReadIdJag((int)response.StatusCode, body, identityProvider, endpoint);
        }
    }

    /// <summary>
    /// Reads the identity provider's answer to the exchange: the ID-JAG on success (<c>issued_token_type</c> id-jag,
    /// <c>token_type</c> N_A); else an <see cref="OAuthException"/> of kind <see cref="OAuthErrorKind.IdentityProviderRefused"/>
    /// naming the step, the identity provider, the HTTP status and the OAuth error (never a token).
    /// </summary>
    public static string ReadIdJag(int status, string body, Uri identityProvider, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(identityProvider);
        var step = $"Enterprise-managed authorization for the MCP server at '{OAuthDiscovery.Where(endpoint)}', step 1 (token exchange at the identity provider '{Where(identityProvider)}')";
        string? error = null, description = null, token = null, issuedType = null, tokenType = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = document.RootElement;
                error = Text(root, "error");
                description = Text(root, "error_description");
                token = Text(root, "access_token");
                issuedType = Text(root, "issued_token_type");
                tokenType = Text(root, "token_type");
            }
        }
        catch (JsonException)
        {
            // Reported below as an answer without an ID-JAG.
        }

        if (status is < 200 or > 299)
        {
            throw new OAuthException(
                OAuthErrorKind.IdentityProviderRefused,
                $"{step}: refused (HTTP {status}{(error is null ? string.Empty : ", " + ServerText.ForTerminal(error, 100))}){(description is null ? string.Empty : ": " + ServerText.ForTerminal(description, 500))}.",
                endpoint)
            { Issuer = identityProvider, OAuthError = error };
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new OAuthException(OAuthErrorKind.IdentityProviderRefused, $"{step}: the answer holds no access_token (the ID-JAG).", endpoint) { Issuer = identityProvider };
        }

        if (!string.Equals(issuedType, IdJagTokenType, StringComparison.Ordinal))
        {
            throw new OAuthException(
                OAuthErrorKind.IdentityProviderRefused,
                $"{step}: the identity provider issued a token of type '{ServerText.ForTerminal(issuedType ?? "(none)", 100)}', not an ID-JAG ({IdJagTokenType}).",
                endpoint)
            { Issuer = identityProvider };
        }

        if (tokenType is not null && !string.Equals(tokenType, NotApplicableTokenType, StringComparison.OrdinalIgnoreCase))
        {
            CallLog.Verbose($"The identity provider {Where(identityProvider)} answered the exchange with token_type '{ServerText.ForTerminal(tokenType, 50)}' (RFC 8693 says N_A for an ID-JAG); taken.");
        }

        return token;
    }

    /// <summary>An identity provider's token endpoint for a message: scheme, host, port and path.</summary>
    public static string Where(Uri identityProvider) => identityProvider.GetLeftPart(UriPartial.Path);

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
