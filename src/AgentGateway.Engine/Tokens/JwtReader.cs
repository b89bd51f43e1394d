using Microsoft.IdentityModel.JsonWebTokens;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Reads JWTs with the IdentityModel <see cref="JsonWebTokenHandler"/>, without validating them (the token
/// service and the gateway do that): the shape check of a user's JWT before it is exchanged, and the claims
/// a troubleshooter asks about. Messages never contain a token or a part of one.
/// </summary>
internal static class JwtReader
{
    private static readonly JsonWebTokenHandler s_handler = new();

    /// <summary>
    /// Throws <see cref="UserTokenException"/> unless <paramref name="jwt"/> is a signed JWT: three base64url parts,
    /// a JSON header and a JSON payload.
    /// </summary>
    public static void ThrowIfNotJwt(string jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var parts = jwt.AsSpan().Count('.') + 1;
        if (parts != 3)
        {
            throw new UserTokenException(parts == 5
                ? "The user token is an encrypted JWT (JWE, five parts); the exchange needs the signed JWT (three parts) the identity provider issued."
                : $"The user token is not a JWT: a JWT has three parts separated by dots (header.payload.signature), this value has {parts}.");
        }

        foreach (var c in jwt)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw new UserTokenException("The user token is not a JWT: it holds characters outside base64url (A-Z, a-z, 0-9, '-', '_') and the dots between its parts; was it quoted, wrapped or prefixed with 'Bearer'?");
            }
        }

        try
        {
            _ = s_handler.ReadJsonWebToken(jwt);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException or Microsoft.IdentityModel.Tokens.SecurityTokenException)
        {
            throw new UserTokenException("The user token is not a JWT: its header or payload is not base64url-encoded JSON.");
        }
    }

    /// <summary>The claims of an access token that is a JWT (read, not validated); null for an opaque token.</summary>
    public static TokenClaims? TryReadClaims(string token)
    {
        if (string.IsNullOrEmpty(token) || !s_handler.CanReadToken(token))
        {
            return null;
        }

        try
        {
            var jwt = s_handler.ReadJsonWebToken(token);
            string? scopes = null;
            if (jwt.TryGetPayloadValue<string>("scope", out var scope))
            {
                scopes = scope;
            }
            else if (jwt.TryGetPayloadValue<string[]>("scp", out var scp) || jwt.TryGetPayloadValue<string[]>("scope", out scp))
            {
                scopes = string.Join(' ', scp);
            }

            return new TokenClaims(
                NullIfEmpty(jwt.Subject),
                NullIfEmpty(jwt.Issuer),
                jwt.Audiences.Any() ? string.Join(", ", jwt.Audiences) : null,
                scopes,
                jwt.IssuedAt == DateTime.MinValue ? null : new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero),
                jwt.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException or Microsoft.IdentityModel.Tokens.SecurityTokenException)
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
