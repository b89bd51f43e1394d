using System.Text;
using System.Text.Json;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using ModelContextProtocol.Authentication;

namespace AgentGateway.Engine.Authorization;

/// <summary>What discovery learned about a protected MCP server: its resource and its authorization server.</summary>
/// <param name="Endpoint">The MCP endpoint.</param>
/// <param name="Resource">The resource identifier to ask tokens for (RFC 8707), as the metadata names it; in the 2025-03-26 fallback (no resource metadata) the endpoint's URL.</param>
/// <param name="Server">The authorization server's metadata (or its default endpoints).</param>
/// <param name="ResourceScopes">The resource metadata's <c>scopes_supported</c>.</param>
internal sealed record OAuthServerInfo(Uri Endpoint, string? Resource, AuthorizationServerMetadata Server, IReadOnlyList<string> ResourceScopes);

/// <summary>
/// Discovery, as the MCP authorization spec orders it: the protected resource metadata (RFC 9728) from the challenge's
/// <c>resource_metadata</c>, else the well-known paths (path-suffixed first, then the root); its <c>resource</c> must be
/// the server (the endpoint, or its origin) or it is refused; then the first authorization server's metadata (RFC 8414
/// with path insertion, OpenID Connect with path insertion and path appending), whose <c>issuer</c> must be the one
/// asked for. Without resource metadata (2025-03-26): the server's origin is the authorization server, its metadata at
/// the root, else the default endpoints. Every URL that a secret, code or token would go to must be https (plain http
/// only to loopback). Each answer is read within <see cref="MaxDocumentBytes"/>.
/// </summary>
internal static class OAuthDiscovery
{
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>Discovers the authorization server of <paramref name="endpoint"/>. PKCE S256 is required of every issuer unless <paramref name="pkceNeeded"/> says otherwise (an issuer whose tokens come from the client credentials grant: it has no authorization request).</summary>
    public static async Task<OAuthServerInfo> DiscoverAsync(HttpClient http, Uri endpoint, OAuthChallenge challenge, CancellationToken cancellationToken, Func<Uri, bool>? pkceNeeded = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(challenge);
        RequireSafe(endpoint, endpoint, "the MCP server");

        ProtectedResourceMetadata? resource = null;
        Uri? resourceSource = null;
        if (challenge.ResourceMetadata is { } named)
        {
            if (!Uri.TryCreate(named, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                throw new OAuthException(OAuthErrorKind.Discovery, $"The MCP server at '{Where(endpoint)}' named resource metadata at '{ServerText.ForTerminal(named, 200)}', which is not an http(s) URL.", endpoint);
            }

            resource = await FetchResourceMetadataAsync(http, url, endpoint, required: true, cancellationToken).ConfigureAwait(false);
            resourceSource = url;
        }
        else
        {
            foreach (var url in ResourceMetadataUrls(endpoint))
            {
                resource = await FetchResourceMetadataAsync(http, url, endpoint, required: false, cancellationToken).ConfigureAwait(false);
                if (resource is not null)
                {
                    resourceSource = url;
                    break;
                }
            }
        }

        if (resource is null)
        {
            // 2025-03-26: no resource metadata; the server's origin is its authorization server.
            var origin = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
            CallLog.Verbose($"No protected resource metadata for {Where(endpoint)}: taking its origin {origin} as the authorization server (2025-03-26).");
            var legacy = await FindServerMetadataAsync(http, origin, endpoint, exactIssuer: false, pkceNeeded?.Invoke(origin) ?? true, cancellationToken).ConfigureAwait(false)
                ?? AuthorizationServerMetadata.Defaults(origin);
            if (legacy.IsDefault)
            {
                CallLog.Verbose($"No authorization server metadata at {origin}: using its default endpoints /authorize, /token, /register (2025-03-26).");
            }

            RequireSafe(legacy, endpoint);

            // RFC 8707 still: the resource is the server's canonical URI (the MCP spec asks for it on every request).
            return new OAuthServerInfo(endpoint, endpoint.GetLeftPart(UriPartial.Path), legacy, []);
        }

        if (!ResourceMatches(resource.Resource, endpoint))
        {
            throw new OAuthException(
                OAuthErrorKind.ResourceMismatch,
                $"The protected resource metadata at '{resourceSource}' is for the resource '{ServerText.ForTerminal(resource.Resource ?? "(none)", 200)}', not for the MCP server at '{Where(endpoint)}'; it was refused and no sign-in started.",
                endpoint);
        }

        var first = resource.AuthorizationServers.FirstOrDefault();
        if (first is null || !Uri.TryCreate(first, UriKind.Absolute, out var issuer))
        {
            throw new OAuthException(OAuthErrorKind.Discovery, $"The protected resource metadata at '{resourceSource}' names no usable authorization server.", endpoint);
        }

        RequireSafe(issuer, endpoint, "the authorization server");
        var server = await FindServerMetadataAsync(http, issuer, endpoint, exactIssuer: true, pkceNeeded?.Invoke(issuer) ?? true, cancellationToken).ConfigureAwait(false)
            ?? throw new OAuthException(
                OAuthErrorKind.Discovery,
                $"The authorization server '{issuer}' of the MCP server at '{Where(endpoint)}' has no metadata at any of its well-known URLs ({string.Join(", ", ServerMetadataUrls(issuer))}).",
                endpoint)
            { Issuer = issuer };
        RequireSafe(server, endpoint);
        CallLog.Verbose($"Discovered for {Where(endpoint)}: resource {resource.Resource}, authorization server {server.IssuerText} (metadata from {server.Source}).");
        return new OAuthServerInfo(endpoint, resource.Resource, server, [.. resource.ScopesSupported]);
    }

    /// <summary>RFC 9728 section 3.1: the path-suffixed well-known URL first (for an endpoint with a path), then the root one.</summary>
    public static IEnumerable<Uri> ResourceMetadataUrls(Uri endpoint)
    {
        var origin = endpoint.GetLeftPart(UriPartial.Authority);
        var path = endpoint.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            yield return new Uri($"{origin}/.well-known/oauth-protected-resource/{path}");
        }

        yield return new Uri($"{origin}/.well-known/oauth-protected-resource");
    }

    /// <summary>RFC 8414 section 3.1 and OpenID Connect discovery, in the MCP spec's order (path insertion first).</summary>
    public static IEnumerable<Uri> ServerMetadataUrls(Uri issuer)
    {
        var origin = issuer.GetLeftPart(UriPartial.Authority);
        var path = issuer.AbsolutePath.Trim('/');
        if (path.Length == 0)
        {
            yield return new Uri($"{origin}/.well-known/oauth-authorization-server");
            yield return new Uri($"{origin}/.well-known/openid-configuration");
        }
        else
        {
            yield return new Uri($"{origin}/.well-known/oauth-authorization-server/{path}");
            yield return new Uri($"{origin}/.well-known/openid-configuration/{path}");
            yield return new Uri($"{origin}/{path}/.well-known/openid-configuration");
        }
    }

    /// <summary>The metadata's resource is the endpoint or its origin (scheme, host, port and path compared; a trailing slash ignored).</summary>
    public static bool ResourceMatches(string? resource, Uri endpoint)
    {
        if (resource is null || !Uri.TryCreate(resource, UriKind.Absolute, out var named))
        {
            return false;
        }

        var asked = Normalize(endpoint);
        var given = Normalize(named);
        return string.Equals(given, asked, StringComparison.OrdinalIgnoreCase) ||
               string.Equals(given, Normalize(new Uri(endpoint.GetLeftPart(UriPartial.Authority))), StringComparison.OrdinalIgnoreCase);

        static string Normalize(Uri uri) => $"{uri.Scheme}://{uri.Host}:{uri.Port}{uri.AbsolutePath.TrimEnd('/')}";
    }

    private static async Task<ProtectedResourceMetadata?> FetchResourceMetadataAsync(HttpClient http, Uri url, Uri endpoint, bool required, CancellationToken cancellationToken)
    {
        var (status, body) = await GetAsync(http, url, endpoint, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            if (required)
            {
                throw new OAuthException(OAuthErrorKind.Discovery, $"The protected resource metadata of the MCP server at '{Where(endpoint)}' could not be read from '{url}' (HTTP {status}).", endpoint);
            }

            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ProtectedResourceMetadata>(body)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new OAuthException(OAuthErrorKind.Discovery, $"The protected resource metadata at '{url}' is not a valid document: {ServerText.ForTerminal(e.Message, 200)}", endpoint, e);
        }
    }

    private static async Task<AuthorizationServerMetadata?> FindServerMetadataAsync(HttpClient http, Uri issuer, Uri endpoint, bool exactIssuer, bool pkceNeeded, CancellationToken cancellationToken)
    {
        foreach (var url in ServerMetadataUrls(issuer))
        {
            var (_, body) = await GetAsync(http, url, endpoint, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                continue;
            }

            var metadata = AuthorizationServerMetadata.TryParse(body, url, out var problem)
                ?? throw new OAuthException(OAuthErrorKind.Discovery, $"The authorization server metadata at '{url}' is unusable: {problem}.", endpoint) { Issuer = issuer };

            // RFC 8414 section 3.3: identical to the issuer the URL was made from. The 2025-03-26 origin may differ by a trailing slash.
            var same = exactIssuer
                ? string.Equals(metadata.IssuerText, issuer.OriginalString, StringComparison.Ordinal)
                : string.Equals(metadata.IssuerText.TrimEnd('/'), issuer.OriginalString.TrimEnd('/'), StringComparison.Ordinal);
            if (!same)
            {
                throw new OAuthException(
                    OAuthErrorKind.Discovery,
                    $"The authorization server metadata at '{url}' names the issuer '{ServerText.ForTerminal(metadata.IssuerText, 200)}', not '{issuer.OriginalString}' (RFC 8414 section 3.3); it was refused.",
                    endpoint)
                { Issuer = issuer };
            }

            if (pkceNeeded && !metadata.CodeChallengeMethodsSupported.Contains("S256", StringComparer.Ordinal))
            {
                throw new OAuthException(
                    OAuthErrorKind.Discovery,
                    $"The authorization server '{issuer.OriginalString}' does not list PKCE S256 in code_challenge_methods_supported ({url}); a sign-in without it is refused.",
                    endpoint)
                { Issuer = issuer };
            }

            return metadata;
        }

        return null;
    }

    /// <summary>GETs a JSON document within the size bound; the body on 2xx, else null with the status.</summary>
    private static async Task<(int Status, string? Body)> GetAsync(HttpClient http, Uri url, Uri endpoint, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OAuthException(OAuthErrorKind.Discovery, $"Discovery for the MCP server at '{Where(endpoint)}' could not reach '{url.GetLeftPart(UriPartial.Authority)}': {e.Message}", endpoint, e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return ((int)response.StatusCode, null);
            }

            var body = await ReadBoundedAsync(response, MaxDocumentBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new OAuthException(OAuthErrorKind.Discovery, $"The document at '{url}' is larger than {MaxDocumentBytes / 1024} KB; reading stopped.", endpoint);
            return ((int)response.StatusCode, body);
        }
    }

    /// <summary>The body as UTF-8 text, or null when it is longer than <paramref name="max"/> bytes.</summary>
    internal static async Task<string?> ReadBoundedAsync(HttpResponseMessage response, int max, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > max)
        {
            return null;
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }

    private static void RequireSafe(AuthorizationServerMetadata server, Uri endpoint)
    {
        RequireSafe(server.AuthorizationEndpoint, endpoint, "the authorization endpoint");
        RequireSafe(server.TokenEndpoint, endpoint, "the token endpoint");
        if (server.RegistrationEndpoint is { } registration)
        {
            RequireSafe(registration, endpoint, "the registration endpoint");
        }
    }

    /// <summary>The transport rule for authorization: https, plain http only to loopback.</summary>
    internal static void RequireSafe(Uri url, Uri endpoint, string what)
    {
        if (!TransportRule.MaySendBearerTo(url))
        {
            throw new OAuthException(
                OAuthErrorKind.InsecureEndpoint,
                $"Refusing to sign in for the MCP server at '{Where(endpoint)}': {what} '{url.GetLeftPart(UriPartial.Path)}' is not https (plain http is allowed only to localhost). Nothing was sent there.",
                endpoint);
        }
    }

    internal static string Where(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path);
}
