using System.Text.Json;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// An authorization server's metadata (RFC 8414; OpenID Connect discovery has the same fields), as far as the
/// module uses it. The SDK keeps its own type internal, so this is read here, from the JSON, field by field.
/// </summary>
internal sealed record AuthorizationServerMetadata
{
    /// <summary>The issuer identifier; for the 2025-03-26 default endpoints, the server's origin.</summary>
    public required Uri Issuer { get; init; }

    public required Uri AuthorizationEndpoint { get; init; }

    public required Uri TokenEndpoint { get; init; }

    public Uri? RegistrationEndpoint { get; init; }

    public IReadOnlyList<string> ScopesSupported { get; init; } = [];

    public IReadOnlyList<string> CodeChallengeMethodsSupported { get; init; } = [];

    /// <summary>As listed; <c>client_secret_basic</c> when the metadata lists none (RFC 8414 section 2).</summary>
    public IReadOnlyList<string> TokenEndpointAuthMethodsSupported { get; init; } = ["client_secret_basic"];

    public IReadOnlyList<string> GrantTypesSupported { get; init; } = ["authorization_code", "refresh_token"];

    /// <summary>RFC 9207: the server puts <c>iss</c> on every authorization response.</summary>
    public bool AuthorizationResponseIssParameterSupported { get; init; }

    /// <summary>Client ID metadata documents accepted as client ids.</summary>
    public bool ClientIdMetadataDocumentSupported { get; init; }

    /// <summary>Where it was read from; null for the 2025-03-26 default endpoints (no metadata document).</summary>
    public Uri? Source { get; init; }

    /// <summary>True for the 2025-03-26 fallback: no metadata, the default endpoints at the server's origin.</summary>
    public bool IsDefault => Source is null;

    /// <summary>The 2025-03-26 default endpoints of an authorization server at <paramref name="origin"/>: /authorize, /token, /register.</summary>
    public static AuthorizationServerMetadata Defaults(Uri origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var root = new Uri(origin.GetLeftPart(UriPartial.Authority) + "/");
        return new AuthorizationServerMetadata
        {
            Issuer = root,
            AuthorizationEndpoint = new Uri(root, "authorize"),
            TokenEndpoint = new Uri(root, "token"),
            RegistrationEndpoint = new Uri(root, "register"),
            CodeChallengeMethodsSupported = ["S256"],
            TokenEndpointAuthMethodsSupported = ["client_secret_post"],
        };
    }

    /// <summary>Reads a metadata document; null when it is not a JSON object with the endpoints a sign-in needs (the reason in <paramref name="problem"/>).</summary>
    public static AuthorizationServerMetadata? TryParse(string json, Uri source, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(json);
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "it is not a JSON object";
                return null;
            }

            var issuer = UriOf(root, "issuer");
            var authorization = UriOf(root, "authorization_endpoint");
            var token = UriOf(root, "token_endpoint");
            if (issuer is null || authorization is null || token is null)
            {
                problem = "it lacks " + string.Join(", ", new[] { ("issuer", issuer), ("authorization_endpoint", authorization), ("token_endpoint", token) }.Where(f => f.Item2 is null).Select(f => f.Item1));
                return null;
            }

            var methods = Strings(root, "token_endpoint_auth_methods_supported");
            var grants = Strings(root, "grant_types_supported");
            return new AuthorizationServerMetadata
            {
                Issuer = issuer,
                AuthorizationEndpoint = authorization,
                TokenEndpoint = token,
                RegistrationEndpoint = UriOf(root, "registration_endpoint"),
                ScopesSupported = Strings(root, "scopes_supported"),
                CodeChallengeMethodsSupported = Strings(root, "code_challenge_methods_supported"),
                TokenEndpointAuthMethodsSupported = methods.Length > 0 ? methods : ["client_secret_basic"],
                GrantTypesSupported = grants.Length > 0 ? grants : ["authorization_code", "implicit"],
                AuthorizationResponseIssParameterSupported = root.TryGetProperty("authorization_response_iss_parameter_supported", out var iss) && iss.ValueKind == JsonValueKind.True,
                ClientIdMetadataDocumentSupported = root.TryGetProperty("client_id_metadata_document_supported", out var cimd) && cimd.ValueKind == JsonValueKind.True,
                Source = source,
            };
        }
        catch (JsonException)
        {
            problem = "it is not valid JSON";
            return null;
        }
    }

    /// <summary>The issuer as the metadata wrote it (RFC 8414 compares it exactly).</summary>
    public string IssuerText => Issuer.OriginalString;

    private static Uri? UriOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri) ? uri : null;

    private static string[] Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];
}
