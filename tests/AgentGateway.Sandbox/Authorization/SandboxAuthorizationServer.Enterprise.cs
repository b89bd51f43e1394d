using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AgentGateway.Sandbox.Authorization;

/// <summary>
/// Enterprise-managed authorization (issue 24) at the sandbox's authorization server: its enterprise identity provider
/// (<see cref="SandboxEnterpriseIdp"/>) and the jwt-bearer grant (RFC 7523) that redeems the ID-JAGs it issues (signature
/// of the IdP, type <c>oauth-id-jag+jwt</c>, audience this server's issuer, client_id the authenticated client, resource
/// one of this server's MCP endpoints). Test hooks on the same origin: <c>GET /idp/stats</c> (exchanges, redemptions),
/// <c>POST /idp/revoke-all</c> (every access token the MCP endpoints accepted is refused from now on).
/// </summary>
public sealed partial class SandboxAuthorizationServer
{
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private SandboxEnterpriseIdp? _enterpriseIdp;
    private long _idJagRedemptions;

    /// <summary>The enterprise identity provider whose ID-JAGs this server redeems.</summary>
    public SandboxEnterpriseIdp EnterpriseIdp => _enterpriseIdp ??= new SandboxEnterpriseIdp(() => BaseUrl, () => Issuer);

    /// <summary>ID-JAGs redeemed for an access token (jwt-bearer).</summary>
    public long IdJagRedemptions => Interlocked.Read(ref _idJagRedemptions);

    /// <summary>The description of the enterprise setup for the sandbox's process line (sandbox values only).</summary>
    internal JsonObject DescribeEnterprise() => new()
    {
        ["issuer"] = Issuer,
        ["identityProvider"] = EnterpriseIdp.TokenEndpoint.ToString(),
        ["identityProviderIssuer"] = EnterpriseIdp.Issuer,
        ["clientId"] = SandboxEnterpriseIdp.ClientId,
        ["identityProviderClientSecret"] = SandboxEnterpriseIdp.IdentityProviderSecret,
        ["clientSecret"] = SandboxEnterpriseIdp.AuthorizationServerSecret,
        ["deniedSubject"] = SandboxEnterpriseIdp.DeniedSubject,
        ["endpoint"] = Endpoint("enterprise").ToString(),
        ["idTokenUrl"] = new Uri(BaseUrl, "idp/id-token").ToString(),
        ["statsUrl"] = new Uri(BaseUrl, "idp/stats").ToString(),
        ["revokeUrl"] = new Uri(BaseUrl, "idp/revoke-all").ToString(),
    };

    private void ConfigureEnterprise(OpenIddictServerBuilder options)
    {
        AddClient(SandboxEnterpriseIdp.ClientId, SandboxEnterpriseIdp.AuthorizationServerSecret);
        options.AllowCustomFlow(JwtBearerGrant);
    }

    private void MapEnterprise(WebApplication app)
    {
        EnterpriseIdp.Map(app);
        app.MapGet("/idp/stats", () => Results.Json(new JsonObject
        {
            ["exchanges"] = EnterpriseIdp.Exchanges,
            ["redemptions"] = IdJagRedemptions,
            ["mcpRequests"] = McpRequests,
        }));
        app.MapPost("/idp/revoke-all", () =>
        {
            RevokeAll();
            return Results.Ok();
        });
    }

    private static bool IsJwtBearer(OpenIddictRequest request) => string.Equals(request.GrantType, JwtBearerGrant, StringComparison.Ordinal);

    /// <summary>The jwt-bearer grant with an ID-JAG: an access token for its user, resource and scopes.</summary>
    private async Task<IResult> RedeemIdJagAsync(OpenIddictRequest request)
    {
        var (claims, problem) = await EnterpriseIdp.ValidateIdJagAsync((string?)request["assertion"], Issuer).ConfigureAwait(false);
        if (claims is null)
        {
            return Refuse(Errors.InvalidGrant, problem!);
        }

        if (Claim(claims, "client_id") as string != request.ClientId)
        {
            return Refuse(Errors.InvalidGrant, "the ID-JAG was issued to another client");
        }

        if (Claim(claims, "resource") is not string resource || !resource.StartsWith(new Uri(BaseUrl, "protected/").AbsoluteUri, StringComparison.Ordinal) ||
            (request.Resources is { Length: > 0 } asked && !asked.Contains(resource)))
        {
            return Refuse(Errors.InvalidTarget, "the ID-JAG's resource is not one of this server's");
        }

        Interlocked.Increment(ref _idJagRedemptions);
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, claims["sub"] as string);
        identity.SetScopes((Claim(claims, "scope") as string ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        identity.SetResources(resource);
        identity.SetAudiences(resource);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        var principal = new ClaimsPrincipal(identity);
        principal.SetAccessTokenLifetime(AccessTokenLifetime);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static object? Claim(IDictionary<string, object> claims, string name) => claims.TryGetValue(name, out var value) ? value : null;

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
