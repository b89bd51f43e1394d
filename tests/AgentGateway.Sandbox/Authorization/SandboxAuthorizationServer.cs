using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AgentGateway.Sandbox.Authorization;

/// <summary>
/// A real OAuth 2.1 authorization server (OpenIddict, degraded mode: clients in memory, no database) with the MCP
/// endpoints it protects, on one https origin of the sandbox CA. Its authorization endpoint signs in "alice" at once
/// (no login page): a client's handler GETs the authorization URL without following the redirect and hands back the
/// Location. The MCP endpoints (<c>/protected/{variant}/mcp</c>, a stateless SDK server with <c>whoami</c>) accept only
/// its own access tokens for their resource (signature, issuer, audience = the endpoint, expiry, not revoked):
/// <list type="bullet">
/// <item><c>header</c>: 401 with <c>resource_metadata</c>; its document at <c>/prm/header/mcp</c>.</item>
/// <item><c>wellknown</c>: 401 without it; its document at the path-suffixed well-known URL.</item>
/// <item><c>mismatch</c>: its document names another resource (a client must refuse).</item>
/// <item><c>insecure</c>: its document names a plain-http authorization server on a non-loopback host.</item>
/// <item><c>legacy</c>: no resource metadata at all (2025-03-26): the origin's authorization server metadata is found at the root.</item>
/// <item><c>scoped</c>: also needs the scope <c>files:write</c>: a token without it gets 403 insufficient_scope.</item>
/// <item><c>plainauthz</c>: its document names the authorization server <c>{origin}/plainauthz</c>, whose metadata (a small
/// document beside OpenIddict, at the RFC 8414 path-inserted URL) has a plain-http authorization endpoint (a client must refuse).</item>
/// </list>
/// With an <see cref="IssuerPath"/> the issuer has a path (<c>https://127.0.0.1:port/tenant1</c>) and its metadata is only at
/// the RFC 8414 path-inserted URL (<c>/.well-known/oauth-authorization-server/tenant1</c>).
/// With <see cref="WithMetadata"/> false the server has no metadata documents and its endpoints are the 2025-03-26
/// defaults (<c>/authorize</c>, <c>/token</c>); its one MCP endpoint is <c>/mcp</c>.
/// </summary>
public sealed partial class SandboxAuthorizationServer
{
    /// <summary>The public client every sandbox authorization server knows (any loopback redirect URI).</summary>
    public const string PublicClientId = "agw-public";

    /// <summary>A confidential client for the client credentials grant with a secret (issue 24): <see cref="MachineClientSecret"/>.</summary>
    public const string MachineClientId = "agw-machine";

    /// <summary>The secret of <see cref="MachineClientId"/> (a test value).</summary>
    public const string MachineClientSecret = "sandbox-machine-secret-value";

    /// <summary>A confidential client that authenticates with assertions signed by an RSA key (private_key_jwt); its key in <see cref="WriteClientKeys"/>'s files.</summary>
    public const string RsaAssertionClientId = "agw-machine-rs256";

    /// <summary>A confidential client that authenticates with assertions signed by a P-256 key (ES256).</summary>
    public const string EcAssertionClientId = "agw-machine-es256";

    /// <summary>The password of the PFX file of <see cref="RsaAssertionClientId"/>'s key (a test value).</summary>
    public const string ClientKeyPfxPassword = "sandbox-pfx-password";

    private readonly RSA _rsaClientKey = RSA.Create(2048);
    private readonly ECDsa _ecClientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentDictionary<string, SecurityKey> _assertionClients = new(StringComparer.Ordinal);
    private long _clientCredentialsGrants;

    private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "sandbox-as" };
    private readonly ConcurrentDictionary<string, string?> _clients = new(StringComparer.Ordinal) { [PublicClientId] = null };
    private readonly ConcurrentDictionary<string, bool> _revoked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);
    private long _authorizations;
    private long _codeExchanges;
    private long _refreshes;
    private long _mcpRequests;
    private long _registrations;
    private readonly ConcurrentDictionary<string, bool> _documentClients = new(StringComparer.Ordinal);
    private static readonly HttpClient s_documents = new(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
    private long _lifetimeSeconds = 3600;

    public SandboxAuthorizationServer(bool withMetadata, string? issuerPath = null)
    {
        WithMetadata = withMetadata;
        IssuerPath = issuerPath;
        _clients[MachineClientId] = MachineClientSecret;
        AddAssertionClient(RsaAssertionClientId, new RsaSecurityKey(_rsaClientKey.ExportParameters(false)));
        AddAssertionClient(EcAssertionClientId, new ECDsaSecurityKey(ECDsa.Create(_ecClientKey.ExportParameters(false))));
    }

    public bool WithMetadata { get; }

    /// <summary>The path of the issuer (RFC 8414 path insertion), or null for an issuer at the origin.</summary>
    public string? IssuerPath { get; }

    /// <summary>The https origin (and issuer), set once started.</summary>
    public Uri BaseUrl { get; internal set; } = null!;

    /// <summary>The issuer as the metadata and the iss parameter name it.</summary>
    public string Issuer => IssuerPath is null ? BaseUrl.AbsoluteUri : new Uri(BaseUrl, IssuerPath).AbsoluteUri;

    public long Authorizations => Interlocked.Read(ref _authorizations);

    public long CodeExchanges => Interlocked.Read(ref _codeExchanges);

    public long Refreshes => Interlocked.Read(ref _refreshes);

    public long McpRequests => Interlocked.Read(ref _mcpRequests);

    /// <summary>Client credentials grants answered with a token.</summary>
    public long ClientCredentialsGrants => Interlocked.Read(ref _clientCredentialsGrants);

    /// <summary>Dynamic registrations (RFC 7591) answered.</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    /// <summary>The application_type of the last registration.</summary>
    public string? LastApplicationType { get; private set; }

    /// <summary>The token endpoint authentication of the last token request: basic, post or none.</summary>
    public string? LastClientAuthentication { get; private set; }

    /// <summary>A client ID metadata document this server serves (for a client whose id is its URL).</summary>
    public Uri ClientMetadataDocument => new(BaseUrl, "clients/agw.json");

    /// <summary>The lifetime of the access tokens it issues from now on.</summary>
    public TimeSpan AccessTokenLifetime
    {
        get => TimeSpan.FromSeconds(Interlocked.Read(ref _lifetimeSeconds));
        set => Interlocked.Exchange(ref _lifetimeSeconds, (long)value.TotalSeconds);
    }

    /// <summary>The MCP endpoint of a variant (see the class summary).</summary>
    public Uri Endpoint(string variant) => WithMetadata ? new Uri(BaseUrl, $"protected/{variant}/mcp") : new Uri(BaseUrl, "mcp");

    /// <summary>Scopes this server never grants (asked or not): a step-up for them cannot succeed.</summary>
    public IReadOnlyCollection<string> DeniedScopes { get; set; } = [];

    /// <summary>Registers a client (a secret for a confidential one).</summary>
    public void AddClient(string clientId, string? secret = null) => _clients[clientId] = secret;

    /// <summary>Registers a confidential client that authenticates with client assertions signed by the private half of <paramref name="publicKey"/> (private_key_jwt).</summary>
    public void AddAssertionClient(string clientId, SecurityKey publicKey) => _assertionClients[clientId] = publicKey;

    /// <summary>
    /// Writes the private keys of <see cref="RsaAssertionClientId"/> and <see cref="EcAssertionClientId"/> for the tests (the
    /// sandbox's temporary folder): the RSA key as PKCS#8 PEM and as a PFX with its self-signed certificate (password
    /// <see cref="ClientKeyPfxPassword"/>), the EC key as PKCS#8 PEM. Returns the three paths.
    /// </summary>
    public (string RsaPem, string RsaPfx, string EcPem) WriteClientKeys(string directory)
    {
        var rsaPem = Path.Combine(directory, $"client-rs256-{BaseUrl?.Port}.pem");
        var rsaPfx = Path.Combine(directory, $"client-rs256-{BaseUrl?.Port}.pfx");
        var ecPem = Path.Combine(directory, $"client-es256-{BaseUrl?.Port}.pem");
        File.WriteAllText(rsaPem, _rsaClientKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ecPem, _ecClientKey.ExportPkcs8PrivateKeyPem());
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={RsaAssertionClientId}", _rsaClientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllBytes(rsaPfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, ClientKeyPfxPassword));
        return (rsaPem, rsaPfx, ecPem);
    }

    /// <summary>Every access token the MCP endpoints have accepted so far is refused from now on.</summary>
    public void RevokeAll()
    {
        foreach (var token in _seen.Keys)
        {
            _revoked[token] = true;
        }
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _authorizations, 0);
        Interlocked.Exchange(ref _codeExchanges, 0);
        Interlocked.Exchange(ref _refreshes, 0);
        Interlocked.Exchange(ref _mcpRequests, 0);
        Interlocked.Exchange(ref _registrations, 0);
        Interlocked.Exchange(ref _clientCredentialsGrants, 0);
    }

    internal void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication();
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.EnableDegradedMode();
            if (WithMetadata)
            {
                options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            }
            else
            {
                options.SetAuthorizationEndpointUris("authorize").SetTokenEndpointUris("token").SetConfigurationEndpointUris(Array.Empty<Uri>()).SetJsonWebKeySetEndpointUris(Array.Empty<Uri>());
            }

            if (IssuerPath is not null)
            {
                options.SetConfigurationEndpointUris($".well-known/oauth-authorization-server/{IssuerPath}");
            }

            options.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow().RequireProofKeyForCodeExchange();
            ConfigureEnterprise(options);
            options.RegisterScopes(Scopes.OfflineAccess, "files:read", "files:write");
            options.DisableResourceValidation().DisableAudienceValidation().DisableScopeValidation();
            options.AddSigningKey(_signingKey).AddEphemeralEncryptionKey().DisableAccessTokenEncryption();
            options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough();

            options.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(b => b.UseInlineHandler(context =>
            {
                context.Metadata["registration_endpoint"] = new Uri(context.BaseUri!, "register").AbsoluteUri;
                context.Metadata["client_id_metadata_document_supported"] = true;
                context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretBasic);
                context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretPost);
                context.TokenEndpointAuthenticationMethods.Add("none");
                context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.PrivateKeyJwt);
                return default;
            }));

            // Degraded mode has no application store: the keys that verify a client assertion are the client's registered ones.
            options.AddEventHandler<OpenIddictServerEvents.ValidateTokenContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.First().Contains("client_assertion", StringComparison.Ordinal) && context.TokenValidationParameters is { } parameters)
                {
                    parameters.IssuerSigningKeyResolver = (_, token, _, _) =>
                        token is JsonWebToken jwt && _assertionClients.TryGetValue(jwt.Issuer, out var key) ? [key] : [];
                }

                return default;
            }).SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500));
            options.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(async context =>
            {
                if (context.ClientId is not null && context.ClientId.StartsWith("https://", StringComparison.Ordinal) &&
                    !await IsDocumentClientAsync(context.ClientId, context.RedirectUri).ConfigureAwait(false))
                {
                    context.Reject(Errors.InvalidClient, "the client ID metadata document does not allow this client or redirect_uri");
                }
                else if (context.ClientId is null || !_clients.ContainsKey(context.ClientId) && !_documentClients.ContainsKey(context.ClientId))
                {
                    context.Reject(Errors.InvalidClient, "unknown client_id");
                }
                else if (context.RedirectUri is null || !Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var redirect) || !redirect.IsLoopback)
                {
                    context.Reject(Errors.InvalidRequest, "redirect_uri must be a loopback URI");
                }
            }));
            options.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                var basic = context.Transaction.GetHttpRequest()?.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal) == true;
                LastClientAuthentication = basic ? "basic" : context.Request.ClientAssertion is not null ? "private_key_jwt" : context.ClientSecret is null ? "none" : "post";
                if (context.ClientId is not null && _documentClients.ContainsKey(context.ClientId))
                {
                    return default;
                }

                if (context.ClientId is not null && _assertionClients.ContainsKey(context.ClientId))
                {
                    // Its assertion was verified already (signature with its key, iss = sub = client_id, aud, exp); a secret is no way in.
                    if (context.Request.ClientAssertion is null)
                    {
                        context.Reject(Errors.InvalidClient, "this client authenticates with a signed client assertion (private_key_jwt)");
                    }

                    return default;
                }

                if (context.Request.IsClientCredentialsGrantType() && context.ClientId is not null && _clients.TryGetValue(context.ClientId, out var own) && own is null)
                {
                    context.Reject(Errors.UnauthorizedClient, "a public client may not use the client credentials grant");
                    return default;
                }

                if (context.ClientId is null || !_clients.TryGetValue(context.ClientId, out var secret))
                {
                    context.Reject(Errors.InvalidClient, "unknown client_id");
                }
                else if (secret is not null && !string.Equals(secret, context.ClientSecret, StringComparison.Ordinal))
                {
                    context.Reject(Errors.InvalidClient, "wrong client secret");
                }

                return default;
            }));
        });
        if (IssuerPath is not null)
        {
            // The port is known once started; OpenIddict reads its options at the first request.
            builder.Services.PostConfigure<OpenIddictServerOptions>(o => o.Issuer = new Uri(Issuer));
        }

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer().WithHttpTransport(t => t.SessionMode = HttpServerSessionMode.Stateless).WithTools([
            McpServerTool.Create(
                (RequestContext<CallToolRequestParams> request) => request.Services?.GetService<IHttpContextAccessor>()?.HttpContext is { } http
                    ? $"{http.Items["sub"]} {http.Items["scope"]}".Trim()
                    : "unknown",
                new McpServerToolCreateOptions { Name = "whoami", Description = "Who the access token is for, and its scopes.", ReadOnly = true }),
        ]);
    }

    internal void Configure(WebApplication app)
    {
        app.Use(ProtectAsync);
        app.MapMcp(WithMetadata ? "/protected/{variant}/mcp" : "/mcp");
        app.MapGet(WithMetadata ? "/connect/authorize" : "/authorize", (HttpContext c) => Authorize(c));
        app.MapPost(WithMetadata ? "/connect/token" : "/token", async (HttpContext c) => await (await TokenAsync(c).ConfigureAwait(false)).ExecuteAsync(c).ConfigureAwait(false));
        MapEnterprise(app);
        app.MapPost("/register", async (HttpContext c) => await (await RegisterAsync(c).ConfigureAwait(false)).ExecuteAsync(c).ConfigureAwait(false));
        if (WithMetadata)
        {
            app.MapGet("/clients/agw.json", (HttpContext context) => Results.Json(new JsonObject
            {
                ["client_id"] = $"{Origin(context)}/clients/agw.json",
                ["client_name"] = "AgentGateway (client ID metadata document)",
                ["redirect_uris"] = new JsonArray("http://127.0.0.1/callback"),
                ["token_endpoint_auth_method"] = "none",
            }));
            app.MapGet("/.well-known/oauth-authorization-server/plainauthz", (HttpContext context) => Results.Json(new JsonObject
            {
                ["issuer"] = $"{Origin(context)}/plainauthz",
                ["authorization_endpoint"] = "http://auth.example.com/authorize",
                ["token_endpoint"] = $"{Origin(context)}/connect/token",
                ["code_challenge_methods_supported"] = new JsonArray("S256"),
            }));
            app.MapGet("/prm/{variant}/mcp", (HttpContext context, string variant) => ResourceMetadata(context, variant));
            app.MapGet("/.well-known/oauth-protected-resource/protected/{variant}/mcp", (HttpContext context, string variant) =>
                variant is "legacy" or "header" ? Results.NotFound() : ResourceMetadata(context, variant));
        }
    }

    /// <summary>The protected resource metadata (RFC 9728) of a variant; the mismatch and insecure variants lie on purpose.</summary>
    private IResult ResourceMetadata(HttpContext context, string variant)
    {
        var origin = Origin(context);
        var resource = variant == "mismatch" ? "https://elsewhere.example/mcp" : $"{origin}/protected/{variant}/mcp";
        var server = variant switch
        {
            "insecure" => "http://auth.example.com/",
            "plainauthz" => $"{origin}/plainauthz",
            _ => Issuer,
        };
        var document = new JsonObject
        {
            ["resource"] = resource,
            ["authorization_servers"] = new JsonArray(server),
            ["bearer_methods_supported"] = new JsonArray("header"),
        };
        if (variant == "scoped")
        {
            document["scopes_supported"] = new JsonArray("files:read");
        }

        return Results.Json(document);
    }

    /// <summary>The MCP endpoints demand a valid token of this server for their resource (and files:write on scoped).</summary>
    private async Task ProtectAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var protectedPath = WithMetadata ? path.StartsWith("/protected/", StringComparison.Ordinal) : path == "/mcp";
        if (!protectedPath)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _mcpRequests);
        var variant = WithMetadata ? path.Split('/')[2] : "bare";
        var origin = Origin(context);
        var resource = $"{origin}{path.TrimEnd('/')}";
        var challenge = variant switch
        {
            "header" or "mismatch" or "insecure" or "scoped" or "plainauthz" => $"Bearer resource_metadata=\"{origin}/prm/{variant}/mcp\"",
            _ => "Bearer",
        };

        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var claims = token is null || _revoked.ContainsKey(token) ? null : await ValidateAsync(token, resource).ConfigureAwait(false);
        if (claims is null)
        {
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = token is null ? challenge : challenge + ", error=\"invalid_token\"";
            return;
        }

        _seen[token!] = true;
        var scopes = claims.TryGetValue("scope", out var s) ? s as string ?? string.Empty : string.Empty;
        if (variant == "scoped" && !scopes.Split(' ').Contains("files:write"))
        {
            context.Response.StatusCode = 403;
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"files:read files:write\", resource_metadata=\"{origin}/prm/scoped/mcp\"";
            return;
        }

        context.Items["sub"] = claims.TryGetValue("sub", out var sub) ? sub : null;
        context.Items["scope"] = scopes;
        await next(context).ConfigureAwait(false);
    }

    private async Task<IDictionary<string, object>?> ValidateAsync(string token, string resource)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = resource,
            IssuerSigningKey = _signingKey,
            ValidTypes = ["at+jwt", "JWT"],
            ClockSkew = TimeSpan.Zero,
        }).ConfigureAwait(false);
        return result.IsValid ? result.Claims : null;
    }

    /// <summary>Signs "alice" in at once with the scopes and resources asked for (no login page).</summary>
    private IResult Authorize(HttpContext context)
    {
        Interlocked.Increment(ref _authorizations);
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenIddict request");
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, "alice").SetClaim(Claims.Name, "Alice");
        identity.SetScopes(request.GetScopes().Where(scope => !DeniedScopes.Contains(scope)));
        identity.SetResources(request.GetResources());
        identity.SetAudiences(request.GetResources());
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        var principal = new ClaimsPrincipal(identity);
        principal.SetAccessTokenLifetime(AccessTokenLifetime);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The code or the refresh token redeemed: the principal they carry, signed in again (with this server's current lifetime).</summary>
    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenIddict request");
        if (IsJwtBearer(request))
        {
            return await RedeemIdJagAsync(request).ConfigureAwait(false);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // The client itself (authenticated by its secret or assertion above): its id is the subject.
            Interlocked.Increment(ref _clientCredentialsGrants);
            var client = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            client.SetClaim(Claims.Subject, request.ClientId).SetClaim(Claims.Name, request.ClientId);
            client.SetScopes(request.GetScopes().Where(scope => !DeniedScopes.Contains(scope)));
            client.SetResources(request.GetResources());
            client.SetAudiences(request.GetResources());
            client.SetDestinations(_ => [Destinations.AccessToken]);
            var machine = new ClaimsPrincipal(client);
            machine.SetAccessTokenLifetime(AccessTokenLifetime);
            return Results.SignIn(machine, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (result.Principal is null)
        {
            return Results.Forbid(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        Interlocked.Increment(ref request.IsRefreshTokenGrantType() ? ref _refreshes : ref _codeExchanges);
        var principal = result.Principal;
        principal.SetAccessTokenLifetime(AccessTokenLifetime);
        principal.SetDestinations(_ => [Destinations.AccessToken]);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>RFC 7591: a loopback redirect URI only; a secret unless the client asks for none.</summary>
    private async Task<IResult> RegisterAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false) as JsonObject;
        var redirects = body?["redirect_uris"] as JsonArray;
        if (redirects is null || redirects.Count == 0 || redirects.Any(r => !Uri.TryCreate(r?.GetValue<string>(), UriKind.Absolute, out var u) || !u.IsLoopback))
        {
            return Results.Json(new JsonObject { ["error"] = "invalid_redirect_uri", ["error_description"] = "loopback redirect URIs only" }, statusCode: 400);
        }

        var n = Interlocked.Increment(ref _registrations);
        LastApplicationType = body!["application_type"]?.GetValue<string>();
        var method = body["token_endpoint_auth_method"]?.GetValue<string>() ?? "client_secret_basic";
        var clientId = $"dyn-{n}-{Guid.NewGuid():N}";
        var secret = method == "none" ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _clients[clientId] = secret;
        var answer = new JsonObject
        {
            ["client_id"] = clientId,
            ["redirect_uris"] = redirects.DeepClone(),
            ["token_endpoint_auth_method"] = method,
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
        };
        if (secret is not null)
        {
            answer["client_secret"] = secret;
        }

        return Results.Json(answer, statusCode: 201);
    }

    /// <summary>A client whose id is an https URL: its document must name it and allow the redirect URI.</summary>
    private async Task<bool> IsDocumentClientAsync(string clientId, string? redirectUri)
    {
        try
        {
            var document = await s_documents.GetFromJsonAsync<JsonObject>(clientId).ConfigureAwait(false);
            var allowed = document?["client_id"]?.GetValue<string>() == clientId &&
                          (document["redirect_uris"] as JsonArray)?.Any(r => SameRedirect(r?.GetValue<string>(), redirectUri)) == true;
            if (allowed)
            {
                _documentClients[clientId] = true;
            }

            return allowed;
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Equal, or loopback http URIs that differ only in their port (RFC 8252 section 7.3: any port of a loopback redirect URI).</summary>
    private static bool SameRedirect(string? listed, string? asked) =>
        listed == asked ||
        (Uri.TryCreate(listed, UriKind.Absolute, out var l) && Uri.TryCreate(asked, UriKind.Absolute, out var a) &&
         l.Scheme == Uri.UriSchemeHttp && a.Scheme == Uri.UriSchemeHttp && l.IsLoopback && a.IsLoopback &&
         l.Host == a.Host && l.PathAndQuery == a.PathAndQuery);

    private static string Origin(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";
}
