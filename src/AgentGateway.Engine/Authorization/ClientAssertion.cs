using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// A signed client assertion (RFC 7523 section 2.2, <c>private_key_jwt</c> of OpenID Connect): a JWT whose <c>iss</c>
/// and <c>sub</c> are the client id, whose <c>aud</c> is the authorization server's issuer identifier (RFC 7523bis;
/// the token endpoint where the client is set so, as OpenID Connect Core and some servers want), with a fresh <c>jti</c>, its
/// <c>iat</c> and a short <c>exp</c>, signed with the client's key (RS256, or ES256/384/512 by curve; <c>kid</c> the
/// key's JWK thumbprint, <c>x5t</c>/<c>x5t#S256</c> where the key came with its certificate; <c>typ</c>
/// <see cref="TokenType"/>). Made for one token request
/// and never kept, logged or shown.
/// </summary>
internal static class ClientAssertion
{
    /// <summary>The client_assertion_type of a JWT assertion (RFC 7523 section 2.2).</summary>
    public const string JwtBearerType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>
    /// The explicit type RFC 7523bis asks of a client authentication JWT (OpenIddict 7 demands it, servers that do not
    /// know it ignore <c>typ</c>): it keeps the assertion from being taken for another kind of JWT.
    /// </summary>
    public const string TokenType = "client-authentication+jwt";

    /// <summary>How long an assertion is good for: long enough to reach the token endpoint, short against replay.</summary>
    public const int LifetimeSeconds = 60;

    /// <summary>Builds and signs one assertion.</summary>
    public static string Create(ClientAssertionKey key, string clientId, Uri audience, DateTimeOffset now, string? jwtId = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(audience);

        var header = Json(writer =>
        {
            writer.WriteString("alg", key.Algorithm);
            writer.WriteString("typ", TokenType);
            writer.WriteString("kid", key.KeyId);
            if (key.CertificateThumbprints is { } thumbprints)
            {
                writer.WriteString("x5t", thumbprints.Sha1);
                writer.WriteString("x5t#S256", thumbprints.Sha256);
            }
        });
        var issuedAt = now.ToUnixTimeSeconds();
        var payload = Json(writer =>
        {
            writer.WriteString("iss", clientId);
            writer.WriteString("sub", clientId);
            writer.WriteString("aud", audience.OriginalString);
            writer.WriteString("jti", jwtId ?? OAuthFlow.RandomValue());
            writer.WriteNumber("iat", issuedAt);
            writer.WriteNumber("nbf", issuedAt);
            writer.WriteNumber("exp", issuedAt + LifetimeSeconds);
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
