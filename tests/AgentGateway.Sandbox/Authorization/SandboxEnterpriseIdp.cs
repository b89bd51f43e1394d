using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentGateway.Sandbox.Authorization;

/// <summary>
/// An enterprise identity provider for enterprise-managed authorization (cross-app access, issue 24), at <c>/idp</c> on
/// its authorization server's origin: it issues users' ID tokens (<c>POST /idp/id-token?sub=</c>, the stand-in for a
/// sign-in at the IdP) and exchanges them (RFC 8693, <c>POST /idp/token</c>) for ID-JAGs (a JWT of type
/// <c>oauth-id-jag+jwt</c> with iss, sub, aud, resource, client_id, scope, exp, iat, jti) for its authorization server,
/// which redeems them with the jwt-bearer grant (<see cref="ValidateIdJagAsync"/>). The user <see cref="DeniedSubject"/>
/// may not use the application: the exchange is refused for them.
/// </summary>
public sealed class SandboxEnterpriseIdp
{
    /// <summary>The client id, at the identity provider and at the authorization server alike.</summary>
    public const string ClientId = "agw-enterprise";

    /// <summary>The client's secret at the identity provider (a sandbox value).</summary>
    public const string IdentityProviderSecret = "sandbox-idp-client-secret";

    /// <summary>The client's secret at the authorization server (a sandbox value).</summary>
    public const string AuthorizationServerSecret = "sandbox-as-client-secret";

    /// <summary>A user the identity provider refuses to issue an ID-JAG for.</summary>
    public const string DeniedSubject = "mallory";

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "sandbox-idp" };
    private readonly Func<Uri> _origin;
    private readonly Func<string> _audience;
    private long _exchanges;

    internal SandboxEnterpriseIdp(Func<Uri> origin, Func<string> audience)
    {
        _origin = origin;
        _audience = audience;
    }

    /// <summary>The identity provider's issuer.</summary>
    public string Issuer => new Uri(_origin(), "idp").AbsoluteUri;

    /// <summary>Its token endpoint (the RFC 8693 exchange).</summary>
    public Uri TokenEndpoint => new(_origin(), "idp/token");

    /// <summary>Token exchanges answered with an ID-JAG.</summary>
    public long Exchanges => Interlocked.Read(ref _exchanges);

    internal void ResetCounters() => Interlocked.Exchange(ref _exchanges, 0);

    /// <summary>A user's ID token of this identity provider (audience: the client).</summary>
    public string IssueIdToken(string subject, TimeSpan lifetime) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = ClientId,
        Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("name", subject)]),
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow.AddSeconds(-5),
        Expires = DateTime.UtcNow + lifetime,
        SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>Checks an ID-JAG for <paramref name="audience"/>: this IdP's signature and issuer, its type, audience and expiry. Null and the reason when it fails.</summary>
    public async Task<(IDictionary<string, object>? Claims, string? Problem)> ValidateIdJagAsync(string? assertion, string audience)
    {
        if (string.IsNullOrEmpty(assertion))
        {
            return (null, "no assertion");
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKey = _key,
            ValidTypes = ["oauth-id-jag+jwt"],
            ClockSkew = TimeSpan.Zero,
        }).ConfigureAwait(false);
        return result.IsValid ? (result.Claims, null) : (null, $"the ID-JAG is not valid here ({result.Exception?.GetType().Name})");
    }

    internal void Map(WebApplication app)
    {
        app.MapPost("/idp/id-token", (string? sub, int? lifetimeSec) => Results.Json(new JsonObject
        {
            ["id_token"] = IssueIdToken(string.IsNullOrEmpty(sub) ? "bob" : sub, TimeSpan.FromSeconds(lifetimeSec ?? 3600)),
        }));
        app.MapPost("/idp/token", async (HttpContext context) => await (await ExchangeAsync(context).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false));
    }

    /// <summary>RFC 8693: the user's ID token (and the client) for an ID-JAG whose audience is this IdP's authorization server.</summary>
    private async Task<IResult> ExchangeAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        string? clientId = form["client_id"], secret = form["client_secret"];
        var basic = context.Request.Headers.Authorization.ToString();
        if (basic.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..].Trim())).Split(':', 2);
            clientId = Uri.UnescapeDataString(pair[0]);
            secret = pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null;
        }

        if (clientId != ClientId || secret != IdentityProviderSecret)
        {
            return Error(401, "invalid_client", "unknown client or wrong client secret");
        }

        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:token-exchange")
        {
            return Error(400, "unsupported_grant_type", "token exchange only");
        }

        if (form["requested_token_type"] != "urn:ietf:params:oauth:token-type:id-jag" || form["subject_token_type"] != "urn:ietf:params:oauth:token-type:id_token")
        {
            return Error(400, "invalid_request", "an ID token for an ID-JAG only");
        }

        string? audience = form["audience"], resource = form["resource"], scope = form["scope"];
        if (audience != _audience() || string.IsNullOrEmpty(resource))
        {
            return Error(400, "invalid_target", "unknown audience, or no resource");
        }

        var subject = await new JsonWebTokenHandler().ValidateTokenAsync(form["subject_token"].ToString(), new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = ClientId,
            IssuerSigningKey = _key,
            ClockSkew = TimeSpan.Zero,
        }).ConfigureAwait(false);
        if (!subject.IsValid || !subject.Claims.TryGetValue("sub", out var subClaim) || subClaim is not string sub)
        {
            return Error(400, "invalid_grant", "the subject token is not a current ID token of this identity provider");
        }

        if (sub == DeniedSubject)
        {
            return Error(400, "invalid_grant", "the user may not use this application");
        }

        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["resource"] = resource!,
            ["client_id"] = ClientId,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (!string.IsNullOrEmpty(scope))
        {
            claims["scope"] = scope!;
        }

        var idJag = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "oauth-id-jag+jwt",
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = DateTime.UtcNow,
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _exchanges);
        return Results.Json(new JsonObject
        {
            ["access_token"] = idJag,
            ["issued_token_type"] = "urn:ietf:params:oauth:token-type:id-jag",
            ["token_type"] = "N_A",
            ["expires_in"] = 300,
        });
    }

    private static IResult Error(int status, string error, string description) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
