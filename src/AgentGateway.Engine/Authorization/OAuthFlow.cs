using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Authorization;

/// <summary>A token endpoint's answer: the access token, and what comes with it. <see cref="ToString"/> shows no secret.</summary>
internal sealed record OAuthTokenAnswer(Tokens.TokenResponse Response, string? RefreshToken, string? Scope)
{
    public override string ToString() => $"token answer (scope {Scope ?? "none"}, refresh token {(RefreshToken is null ? "no" : "yes")})";
}

/// <summary>The pieces of the authorization code flow (RFC 6749, PKCE RFC 7636, RFC 8707, RFC 9207): pure where they can be.</summary>
internal static class OAuthFlow
{
    public const int MaxTokenAnswerBytes = 256 * 1024;

    /// <summary>32 random bytes, base64url: a PKCE verifier (43 characters) or a state.</summary>
    public static string RandomValue()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))).</summary>
    public static string ChallengeOf(string verifier)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(verifier), hash);
        return Base64Url.EncodeToString(hash);
    }

    /// <summary>The authorization request URL: code, PKCE S256, state, the resource (RFC 8707) and the scope.</summary>
    public static Uri AuthorizationUrl(AuthorizationServerMetadata server, string clientId, Uri redirectUri, string challenge, string state, string? resource, string? scope)
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("response_type", "code"),
            new("client_id", clientId),
            new("redirect_uri", redirectUri.OriginalString),
            new("code_challenge", challenge),
            new("code_challenge_method", "S256"),
            new("state", state),
        };
        if (resource is not null)
        {
            query.Add(new("resource", resource));
        }

        if (!string.IsNullOrEmpty(scope))
        {
            query.Add(new("scope", scope));
        }

        var existing = server.AuthorizationEndpoint.Query.TrimStart('?');
        var text = string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var builder = new UriBuilder(server.AuthorizationEndpoint) { Query = existing.Length > 0 ? existing + "&" + text : text };
        return builder.Uri;
    }

    /// <summary>
    /// Checks the redirected URL of a sign-in and returns its code: it must come back to the redirect URI, with the
    /// state sent, and with the server's issuer when the server promises <c>iss</c> (RFC 9207) or sends one. Nothing of
    /// the URL (a code) goes into a message.
    /// </summary>
    public static string CodeFrom(Uri redirected, Uri redirectUri, string state, AuthorizationServerMetadata server, Uri endpoint)
    {
        var where = OAuthDiscovery.Where(endpoint);
        if (!string.Equals(redirected.GetLeftPart(UriPartial.Path), redirectUri.GetLeftPart(UriPartial.Path), StringComparison.OrdinalIgnoreCase)
            && !(redirected.IsLoopback && redirectUri.IsLoopback && string.Equals(redirected.AbsolutePath, redirectUri.AbsolutePath, StringComparison.Ordinal)))
        {
            throw Invalid($"The sign-in for the MCP server at '{where}' came back to '{redirected.GetLeftPart(UriPartial.Path)}', not to the redirect URI '{redirectUri.GetLeftPart(UriPartial.Path)}'.", endpoint, server);
        }

        var parameters = Query(redirected);
        if (parameters.TryGetValue("error", out var error))
        {
            parameters.TryGetValue("error_description", out var description);
            throw new OAuthException(
                OAuthErrorKind.Refused,
                $"The authorization server '{server.IssuerText}' refused the sign-in for the MCP server at '{where}': {ServerText.ForTerminal(error, 100)}{(description is null ? string.Empty : " (" + ServerText.ForTerminal(description, 500) + ")")}.",
                endpoint)
            { Issuer = server.Issuer, OAuthError = error };
        }

        if (!parameters.TryGetValue("state", out var returned) || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(returned), Encoding.UTF8.GetBytes(state)))
        {
            throw Invalid($"The sign-in for the MCP server at '{where}' came back with {(returned is null ? "no state" : "another state")} than the one sent; it was refused (a forged or stale redirect).", endpoint, server);
        }

        parameters.TryGetValue("iss", out var iss);
        if (server.AuthorizationResponseIssParameterSupported && iss is null)
        {
            throw Invalid($"The authorization server '{server.IssuerText}' promises an iss parameter (RFC 9207), and the sign-in for the MCP server at '{where}' came back without one; it was refused.", endpoint, server);
        }

        if (iss is not null && !IssuerEquals(iss, server))
        {
            throw Invalid($"The sign-in for the MCP server at '{where}' came back from the issuer '{ServerText.ForTerminal(iss, 200)}', not from '{server.IssuerText}' (RFC 9207); it was refused (a mix-up).", endpoint, server);
        }

        if (!parameters.TryGetValue("code", out var code) || code.Length == 0)
        {
            throw Invalid($"The sign-in for the MCP server at '{where}' came back without an authorization code.", endpoint, server);
        }

        return code;
    }

    /// <summary>RFC 9207 compares exactly; the 2025-03-26 default endpoints have only the origin, compared without a trailing slash.</summary>
    private static bool IssuerEquals(string iss, AuthorizationServerMetadata server) =>
        server.IsDefault
            ? string.Equals(iss.TrimEnd('/'), server.IssuerText.TrimEnd('/'), StringComparison.Ordinal)
            : string.Equals(iss, server.IssuerText, StringComparison.Ordinal);

    /// <summary>The query parameters of a URL (first of each name), decoded.</summary>
    public static Dictionary<string, string> Query(Uri url)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result.TryAdd(name, value);
        }

        return result;
    }

    /// <summary>
    /// POSTs a token request with the client's authentication as the server's metadata says (client_secret_basic,
    /// client_secret_post, or none for a public client) and reads the answer within <see cref="MaxTokenAnswerBytes"/>.
    /// An error names the HTTP status and the OAuth error, never a token, code or secret.
    /// </summary>
    public static async Task<OAuthTokenAnswer> RequestTokenAsync(
        HttpClient http, AuthorizationServerMetadata server, OAuthClient client, Dictionary<string, string> form, Uri endpoint, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.TokenEndpoint);
        request.Headers.Accept.ParseAdd("application/json");
        switch (client.AuthMethod)
        {
            case "client_secret_basic":
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(client.ClientSecret ?? string.Empty))));
                break;
            case "client_secret_post":
                form["client_id"] = client.ClientId;
                form["client_secret"] = client.ClientSecret ?? string.Empty;
                break;
            case ClientCredentialsGrant.PrivateKeyJwt when client.AssertionKey is { } key:
                // RFC 7523 section 2.2: a fresh assertion for this request, its audience the issuer (RFC 7523bis) or the token
                // endpoint where the client is set so; real time, as the server checks it.
                form["client_id"] = client.ClientId;
                form["client_assertion_type"] = ClientAssertion.JwtBearerType;
                form["client_assertion"] = ClientAssertion.Create(key, client.ClientId, client.AssertionToTokenEndpoint ? server.TokenEndpoint : server.Issuer, DateTimeOffset.UtcNow);
                break;
            default:
                form["client_id"] = client.ClientId;
                break;
        }

        request.Content = new FormUrlEncodedContent(form);
        var where = OAuthDiscovery.Where(endpoint);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OAuthException(OAuthErrorKind.Refused, $"The {what} for the MCP server at '{where}' could not reach the token endpoint '{server.TokenEndpoint.GetLeftPart(UriPartial.Path)}': {e.Message}", endpoint, e) { Issuer = server.Issuer };
        }

        using (response)
        {
            var body = await OAuthDiscovery.ReadBoundedAsync(response, MaxTokenAnswerBytes, cancellationToken).ConfigureAwait(false) ?? string.Empty;
            if (!response.IsSuccessStatusCode)
            {
                var (error, description) = ErrorOf(body);
                throw new OAuthException(
                    OAuthErrorKind.Refused,
                    $"The token endpoint '{server.TokenEndpoint.GetLeftPart(UriPartial.Path)}' refused the {what} for the MCP server at '{where}' (HTTP {(int)response.StatusCode}{(error is null ? string.Empty : ", " + ServerText.ForTerminal(error, 100))}){(description is null ? string.Empty : ": " + ServerText.ForTerminal(description, 500))}.",
                    endpoint)
                { Issuer = server.Issuer, OAuthError = error };
            }

            var parsed = Tokens.TokenResponse.TryParse(body, out var fields);
            if (parsed is null)
            {
                throw new OAuthException(OAuthErrorKind.Refused, $"The token endpoint '{server.TokenEndpoint.GetLeftPart(UriPartial.Path)}' answered the {what} for the MCP server at '{where}' without an access_token (fields: {ServerText.ForTerminal(string.Join(", ", fields), 300)}).", endpoint) { Issuer = server.Issuer };
            }

            if (parsed.TokenType is not null && !string.Equals(parsed.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                throw new OAuthException(OAuthErrorKind.Refused, $"The token endpoint '{server.TokenEndpoint.GetLeftPart(UriPartial.Path)}' issued a token of type '{ServerText.ForTerminal(parsed.TokenType, 50)}', not Bearer.", endpoint) { Issuer = server.Issuer };
            }

            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return new OAuthTokenAnswer(parsed, Text(root, "refresh_token"), Text(root, "scope"));
        }
    }

    /// <summary>
    /// Dynamic client registration (RFC 7591) of a native client: the redirect URI, the code and refresh grants,
    /// <c>application_type</c>, and the token endpoint authentication the metadata lists (none for a public client where
    /// listed, else client_secret_basic or client_secret_post, whose secret then comes back). Nothing of the answer but
    /// the client id reaches a message.
    /// </summary>
    public static async Task<OAuthClient> RegisterAsync(HttpClient http, AuthorizationServerMetadata server, Uri registration, Uri redirectUri, Uri endpoint, CancellationToken cancellationToken)
    {
        var method = server.TokenEndpointAuthMethodsSupported.Contains("none", StringComparer.Ordinal) ? "none"
            : server.TokenEndpointAuthMethodsSupported.Contains("client_secret_basic", StringComparer.Ordinal) ? "client_secret_basic"
            : "client_secret_post";
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["client_name"] = "AgentGateway PowerShell module",
            ["redirect_uris"] = new System.Text.Json.Nodes.JsonArray(redirectUri.OriginalString),
            ["grant_types"] = new System.Text.Json.Nodes.JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new System.Text.Json.Nodes.JsonArray("code"),
            ["token_endpoint_auth_method"] = method,
            ["application_type"] = redirectUri.IsLoopback || redirectUri.Scheme is not ("http" or "https") ? "native" : "web",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, registration)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var where = OAuthDiscovery.Where(endpoint);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OAuthException(OAuthErrorKind.NoClient, $"Registering at '{registration.GetLeftPart(UriPartial.Path)}' for the MCP server at '{where}' failed: {e.Message}", endpoint, e) { Issuer = server.Issuer };
        }

        using (response)
        {
            var text = await OAuthDiscovery.ReadBoundedAsync(response, MaxTokenAnswerBytes, cancellationToken).ConfigureAwait(false) ?? string.Empty;
            var (error, description) = ErrorOf(text);
            string? clientId = null, secret = null, granted = null;
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    using var document = JsonDocument.Parse(text);
                    if (document.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        clientId = Text(document.RootElement, "client_id");
                        secret = Text(document.RootElement, "client_secret");
                        granted = Text(document.RootElement, "token_endpoint_auth_method");
                    }
                }
                catch (JsonException)
                {
                    // Reported below: no client id.
                }
            }

            if (string.IsNullOrEmpty(clientId))
            {
                throw new OAuthException(
                    OAuthErrorKind.NoClient,
                    $"The authorization server '{server.IssuerText}' refused to register a client for the MCP server at '{where}' (HTTP {(int)response.StatusCode}{(error is null ? string.Empty : ", " + ServerText.ForTerminal(error, 100))}){(description is null ? string.Empty : ": " + ServerText.ForTerminal(description, 500))}.",
                    endpoint)
                { Issuer = server.Issuer, OAuthError = error };
            }

            var used = granted ?? (secret is null ? "none" : method);
            return new OAuthClient(clientId, secret, used, "registered");
        }
    }

    private static (string? Error, string? Description) ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (Text(document.RootElement, "error"), Text(document.RootElement, "error_description"))
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static OAuthException Invalid(string message, Uri endpoint, AuthorizationServerMetadata server) =>
        new(OAuthErrorKind.InvalidResponse, message, endpoint) { Issuer = server.Issuer };
}

/// <summary>The client identity used with one authorization server. <see cref="ToString"/> shows no secret.</summary>
/// <param name="ClientId">The client id (a metadata document URL is one too).</param>
/// <param name="ClientSecret">The secret of a confidential client.</param>
/// <param name="AuthMethod">The token endpoint authentication: client_secret_basic, client_secret_post, private_key_jwt or none.</param>
/// <param name="Source">Where the identity came from: configured, metadata document, registered.</param>
internal sealed record OAuthClient(string ClientId, string? ClientSecret, string AuthMethod, string Source)
{
    /// <summary>The key that signs client assertions (AuthMethod <c>private_key_jwt</c>).</summary>
    public ClientAssertionKey? AssertionKey { get; init; }

    /// <summary>Whether the assertions' audience is the token endpoint rather than the issuer.</summary>
    public bool AssertionToTokenEndpoint { get; init; }

    public override string ToString() => $"client {ClientId} ({Source}, {AuthMethod})";
}
