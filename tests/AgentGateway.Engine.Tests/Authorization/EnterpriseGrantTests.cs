using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>The pure parts of enterprise-managed authorization (ID-JAG): the two requests, the identity provider's answer, the user's fingerprint.</summary>
public sealed class EnterpriseGrantRequestTests
{
    private static readonly Uri s_idp = new("https://idp.example.com/oauth2/v1/token");
    private static readonly Uri s_endpoint = new("https://mcp.example.com/mcp");

    [Fact]
    public void The_token_exchange_asks_for_an_ID_JAG_for_the_authorization_server_and_the_resource()
    {
        var form = EnterpriseGrant.TokenExchangeForm("id.token.value", "https://as.example.com/", "https://mcp.example.com/mcp", "files:read", "client-1", "secret-1");

        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", form["grant_type"]);
        Assert.Equal("urn:ietf:params:oauth:token-type:id-jag", form["requested_token_type"]);
        Assert.Equal("id.token.value", form["subject_token"]);
        Assert.Equal("urn:ietf:params:oauth:token-type:id_token", form["subject_token_type"]);
        Assert.Equal("https://as.example.com/", form["audience"]);
        Assert.Equal("https://mcp.example.com/mcp", form["resource"]);
        Assert.Equal("files:read", form["scope"]);
        Assert.Equal("client-1", form["client_id"]);
        Assert.Equal("secret-1", form["client_secret"]);
    }

    [Fact]
    public void The_token_exchange_leaves_out_an_empty_scope_and_a_missing_secret()
    {
        var form = EnterpriseGrant.TokenExchangeForm("id.token.value", "https://as.example.com/", "https://mcp.example.com/mcp", null, "client-1", null);

        Assert.False(form.ContainsKey("scope"));
        Assert.False(form.ContainsKey("client_secret"));
    }

    [Fact]
    public void The_redemption_is_a_jwt_bearer_grant_with_the_ID_JAG_as_its_assertion()
    {
        var form = EnterpriseGrant.JwtBearerForm("the.id.jag", "files:read", "https://mcp.example.com/mcp");

        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        Assert.Equal("the.id.jag", form["assertion"]);
        Assert.Equal("files:read", form["scope"]);
        Assert.Equal("https://mcp.example.com/mcp", form["resource"]);
    }

    [Theory]
    [InlineData("files:read offline_access", "files:read")]
    [InlineData("offline_access", null)]
    [InlineData(null, null)]
    public void An_enterprise_managed_token_is_never_asked_with_offline_access(string? signInScope, string? expected) =>
        Assert.Equal(expected, EnterpriseGrant.ScopeOf(signInScope));

    [Fact]
    public void A_refusal_of_the_identity_provider_names_the_step_the_server_and_the_OAuth_error()
    {
        var e = Assert.Throws<OAuthException>(() => EnterpriseGrant.ReadIdJag(400, """{"error":"invalid_grant","error_description":"the user may not use this application"}""", s_idp, s_endpoint));

        Assert.Equal(OAuthErrorKind.IdentityProviderRefused, e.Kind);
        Assert.Equal("invalid_grant", e.OAuthError);
        Assert.Equal(s_idp, e.Issuer);
        Assert.Contains("step 1 (token exchange at the identity provider 'https://idp.example.com/oauth2/v1/token')", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 400, invalid_grant", e.Message, StringComparison.Ordinal);
        Assert.Contains("https://mcp.example.com/mcp", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_that_is_not_an_ID_JAG_is_refused_without_showing_the_token()
    {
        var e = Assert.Throws<OAuthException>(() => EnterpriseGrant.ReadIdJag(200, """{"access_token":"secret.access.token","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer"}""", s_idp, s_endpoint));

        Assert.Equal(OAuthErrorKind.IdentityProviderRefused, e.Kind);
        Assert.Contains("not an ID-JAG", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret.access.token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ID_JAG_answer_gives_the_ID_JAG()
    {
        var jag = EnterpriseGrant.ReadIdJag(200, """{"access_token":"a.b.c","issued_token_type":"urn:ietf:params:oauth:token-type:id-jag","token_type":"N_A","expires_in":300}""", s_idp, s_endpoint);

        Assert.Equal("a.b.c", jag);
    }

    [Fact]
    public void The_user_fingerprint_names_the_user_not_the_token_and_never_shows_it()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var first = SandboxJwtFor(key, "bob", "first");
        var second = SandboxJwtFor(key, "bob", "second");
        var other = SandboxJwtFor(key, "carol", "first");

        Assert.NotEqual(first, second);
        Assert.Equal(EnterpriseUser.FingerprintOf(first), EnterpriseUser.FingerprintOf(second));
        Assert.NotEqual(EnterpriseUser.FingerprintOf(first), EnterpriseUser.FingerprintOf(other));
        var user = EnterpriseUser.Of(first);
        Assert.Equal(16, user.Fingerprint.Length);
        Assert.DoesNotContain(first, user.ToString(), StringComparison.Ordinal);
    }

    private static string SandboxJwtFor(System.Security.Cryptography.RSA key, string subject, string nonce) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "https://idp.example.com",
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["nonce"] = nonce },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(new Microsoft.IdentityModel.Tokens.RsaSecurityKey(key), "RS256"),
        });
}

/// <summary>
/// Enterprise-managed authorization end to end against the sandbox: its identity provider exchanges the user's ID token
/// for an ID-JAG, its OpenIddict authorization server redeems it (jwt-bearer) for a token of the MCP endpoint it protects.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class EnterpriseGrantTests : IDisposable
{
    private readonly SandboxAuthorizationServer _as;
    private readonly SandboxEnterpriseIdp _idp;
    private readonly RunspaceState _session = new(_ => null);
    private readonly Uri _endpoint;

    public EnterpriseGrantTests(SandboxGatewayFixture fixture)
    {
        var sandbox = fixture.Sandbox;
        _as = sandbox.Authorization;
        _idp = _as.EnterpriseIdp;
        _endpoint = _as.Endpoint("enterprise");
        _session.UpdateConfig(c => c.With(trustedCaPath: sandbox.CaCertificatePath));
        SetClient();
    }

    public void Dispose() => _session.Dispose();

    private void SetClient(string? clientSecret = SandboxEnterpriseIdp.AuthorizationServerSecret, object? provider = null) =>
        _session.Tokens.SignIns.SetClient(new OAuthClientSettings
        {
            Issuer = new Uri(_as.Issuer),
            ClientId = SandboxEnterpriseIdp.ClientId,
            ClientSecret = clientSecret,
            IdentityProvider = _idp.TokenEndpoint,
            IdentityProviderClientSecret = SandboxEnterpriseIdp.IdentityProviderSecret,
            UserTokenProvider = provider,
        });

    private async Task<McpCallResult> WhoAmIAsync(string? userJwt, IAuthorizationInteraction? interaction = null)
    {
        using (AuthorizationInteraction.Use(interaction))
        {
            var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = _endpoint, UserJwt = userJwt, Timeout = TimeSpan.FromSeconds(60) });
            return await call.InvokeAsync();
        }
    }

    [Fact]
    public async Task The_user_token_is_exchanged_for_an_ID_JAG_redeemed_once_and_cached_as_an_enterprise_managed_token()
    {
        var exchanges = _idp.Exchanges;
        var redemptions = _as.IdJagRedemptions;
        var bob = _idp.IssueIdToken("bob", TimeSpan.FromHours(1));

        var result = await WhoAmIAsync(bob);
        await WhoAmIAsync(bob);

        Assert.StartsWith("bob", result.Text, StringComparison.Ordinal);
        Assert.Equal(exchanges + 1, _idp.Exchanges);
        Assert.Equal(redemptions + 1, _as.IdJagRedemptions);
        var entry = Assert.Single(_session.Tokens.SignIns.GetEntries());
        Assert.Equal(TokenKind.EnterpriseManaged, entry.Kind);
        Assert.Equal(_as.Issuer, entry.Issuer);
        Assert.Equal(_endpoint.AbsoluteUri, entry.Resource);
        Assert.Equal(SandboxEnterpriseIdp.ClientId, entry.ClientId);
        Assert.Equal("bob", entry.Subject);
    }

    [Fact]
    public async Task Two_users_get_a_token_each_and_a_newer_token_of_the_same_user_reuses_the_cached_one()
    {
        var bob = await WhoAmIAsync(_idp.IssueIdToken("bob", TimeSpan.FromHours(1)));
        var carol = await WhoAmIAsync(_idp.IssueIdToken("carol", TimeSpan.FromHours(1)));
        var exchanges = _idp.Exchanges;
        var bobAgain = await WhoAmIAsync(_idp.IssueIdToken("bob", TimeSpan.FromHours(2)));

        Assert.StartsWith("bob", bob.Text, StringComparison.Ordinal);
        Assert.StartsWith("carol", carol.Text, StringComparison.Ordinal);
        Assert.StartsWith("bob", bobAgain.Text, StringComparison.Ordinal);
        Assert.Equal(exchanges, _idp.Exchanges);
        Assert.Equal(2, _session.Tokens.SignIns.GetEntries().Count);
    }

    [Fact]
    public async Task Concurrent_first_calls_of_one_user_share_one_exchange()
    {
        var exchanges = _idp.Exchanges;
        var dave = _idp.IssueIdToken("dave", TimeSpan.FromHours(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => WhoAmIAsync(dave))));

        Assert.All(results, r => Assert.StartsWith("dave", r.Text, StringComparison.Ordinal));
        Assert.Equal(exchanges + 1, _idp.Exchanges);
    }

    [Fact]
    public async Task A_401_to_the_cached_token_drops_it_and_the_call_is_resent_once_with_a_new_grant()
    {
        var erin = _idp.IssueIdToken("erin", TimeSpan.FromHours(1));
        await WhoAmIAsync(erin);
        var first = Assert.Single(_session.Tokens.SignIns.GetEntries()).Fingerprint;
        var exchanges = _idp.Exchanges;
        _as.RevokeAll();

        var result = await WhoAmIAsync(erin);

        Assert.StartsWith("erin", result.Text, StringComparison.Ordinal);
        Assert.Equal(exchanges + 1, _idp.Exchanges);
        Assert.NotEqual(first, Assert.Single(_session.Tokens.SignIns.GetEntries()).Fingerprint);
    }

    [Fact]
    public async Task A_refusal_at_the_identity_provider_is_named_as_step_1_with_the_identity_provider()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_idp.IssueIdToken(SandboxEnterpriseIdp.DeniedSubject, TimeSpan.FromHours(1))));

        Assert.Equal(OAuthErrorKind.IdentityProviderRefused, e.Kind);
        Assert.Equal("invalid_grant", e.OAuthError);
        Assert.Contains("step 1", e.Message, StringComparison.Ordinal);
        Assert.Contains(_idp.TokenEndpoint.AbsoluteUri, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_at_the_authorization_server_is_named_as_step_2_with_its_issuer_and_never_shows_a_token()
    {
        SetClient(clientSecret: "wrong-secret");
        var frank = _idp.IssueIdToken("frank", TimeSpan.FromHours(1));

        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(frank));

        Assert.Equal(OAuthErrorKind.AssertionRefused, e.Kind);
        Assert.Equal("invalid_client", e.OAuthError);
        Assert.Contains("step 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(_as.Issuer, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(frank, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_user_token_or_a_provider_the_call_fails_saying_so()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(null));

        Assert.Equal(OAuthErrorKind.UserTokenMissing, e.Kind);
        Assert.Contains(_as.Issuer, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_provider_set_for_the_authorization_server_gives_the_user_token_when_the_call_has_none()
    {
        var provider = new object();
        SetClient(provider: provider);
        var grace = new ProviderInteraction(provider, _idp.IssueIdToken("grace", TimeSpan.FromHours(1)));

        var result = await WhoAmIAsync(null, grace);
        await WhoAmIAsync(null, grace);

        Assert.StartsWith("grace", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, grace.Count);
        Assert.Equal(_endpoint, grace.Last!.Endpoint);
        Assert.Equal(TokenKind.EnterpriseManaged, Assert.Single(_session.Tokens.SignIns.GetEntries()).Kind);
    }

    /// <summary>The cmdlet layer's part, as a test plays it: runs "the provider" (here: hands out one token) and counts.</summary>
    private sealed class ProviderInteraction(object provider, string token) : IAuthorizationInteraction
    {
        private int _count;

        public bool CanSignIn => false;

        public string? WhyNot => "the test signs no one in";

        public int Count => Volatile.Read(ref _count);

        public OAuthUserTokenRequest? Last { get; private set; }

        public Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken) => throw new InvalidOperationException("no sign-in expected");

        public Task<string?> GetUserTokenAsync(object asked, OAuthUserTokenRequest request, CancellationToken cancellationToken)
        {
            Assert.Same(provider, asked);
            Interlocked.Increment(ref _count);
            Last = request;
            return Task.FromResult<string?>(token);
        }
    }
}
