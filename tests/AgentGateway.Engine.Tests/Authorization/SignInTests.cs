using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// Sign-in for MCP servers outside the gateway, end to end against the sandbox's OpenIddict authorization server and
/// the MCP endpoints it protects: discovery variants, PKCE code flow, the runspace cache, the 401 path, the refusals.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class SignInTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxAuthorizationServer _as;
    private readonly RunspaceState _session = new(_ => null);
    private readonly SandboxSignIn _person;

    public SignInTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _as = _sandbox.Authorization;
        _as.ResetCounters();
        _sandbox.BareAuthorization.ResetCounters();
        _session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));
        foreach (var server in new[] { _as, _sandbox.BareAuthorization })
        {
            _session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(server.Issuer), ClientId = SandboxAuthorizationServer.PublicClientId });
        }

        _person = new SandboxSignIn(_sandbox.CaCertificate);
    }

    public void Dispose()
    {
        _session.Dispose();
        _person.Dispose();
        _as.AccessTokenLifetime = TimeSpan.FromHours(1);
    }

    private async Task<McpCallResult> WhoAmIAsync(Uri endpoint, IAuthorizationInteraction? person = null)
    {
        using (AuthorizationInteraction.Use(person ?? _person))
        {
            var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = endpoint, Timeout = TimeSpan.FromSeconds(60) });
            return await call.InvokeAsync();
        }
    }

    [Fact]
    public async Task A_401_naming_resource_metadata_leads_to_a_PKCE_sign_in_and_the_token_is_cached_with_its_kind_and_issuer()
    {
        var endpoint = _as.Endpoint("header");
        var result = await WhoAmIAsync(endpoint);

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, _person.Count);
        Assert.Equal(1, _as.CodeExchanges);
        var query = OAuthFlow.Query(_person.Last!.AuthorizationUrl);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].Length);
        Assert.Equal(endpoint.AbsoluteUri, query["resource"]);
        Assert.Equal(SandboxAuthorizationServer.PublicClientId, query["client_id"]);
        Assert.DoesNotContain("code_verifier", _person.Last.AuthorizationUrl.Query, StringComparison.Ordinal);

        var entry = Assert.Single(_session.Tokens.SignIns.GetEntries());
        Assert.Equal(TokenKind.AuthorizationCode, entry.Kind);
        Assert.Equal(_as.Issuer, entry.Issuer);
        Assert.Equal(endpoint.AbsoluteUri, entry.Resource);
        Assert.Equal("alice", entry.Subject);

        // The next call (listing and call) is served from the cache: no sign-in, no token request.
        await WhoAmIAsync(endpoint);
        Assert.Equal(1, _person.Count);
        Assert.Equal(1, _as.CodeExchanges);
    }

    [Theory]
    [InlineData("wellknown")]
    [InlineData("legacy")]
    public async Task Discovery_finds_the_metadata_at_the_well_known_paths_and_in_the_2025_03_26_fallback(string variant)
    {
        var result = await WhoAmIAsync(_as.Endpoint(variant));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, _person.Count);
    }

    [Fact]
    public async Task Without_any_metadata_the_2025_03_26_default_endpoints_are_used()
    {
        var bare = _sandbox.BareAuthorization;
        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(new Uri(bare.BaseUrl, "authorize").AbsoluteUri, _person.Last!.AuthorizationUrl.GetLeftPart(UriPartial.Path));
        Assert.Equal(1, bare.CodeExchanges);
    }

    [Fact]
    public async Task Resource_metadata_for_another_resource_is_refused_before_any_sign_in()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("mismatch")));

        Assert.Equal(OAuthErrorKind.ResourceMismatch, e.Kind);
        Assert.Contains("elsewhere.example", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _person.Count);
    }

    [Fact]
    public async Task A_plain_http_authorization_server_is_refused_before_anything_is_sent_to_it()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("insecure")));

        Assert.Equal(OAuthErrorKind.InsecureEndpoint, e.Kind);
        Assert.Equal(0, _person.Count);
    }

    [Fact]
    public async Task A_redirect_with_another_state_is_refused_and_its_code_never_redeemed()
    {
        using var forger = new SandboxSignIn(_sandbox.CaCertificate) { Tamper = u => Replace(u, "state", "forged") };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("header"), forger));

        Assert.Equal(OAuthErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("state", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _as.CodeExchanges);
        Assert.Empty(_session.Tokens.SignIns.GetEntries());
    }

    [Fact]
    public async Task A_redirect_from_another_issuer_is_refused_as_a_mix_up()
    {
        using var mixUp = new SandboxSignIn(_sandbox.CaCertificate) { Tamper = u => Replace(u, "iss", "https://evil.example/") };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("header"), mixUp));

        Assert.Equal(OAuthErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("evil.example", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _as.CodeExchanges);
    }

    [Fact]
    public async Task Without_a_way_to_sign_in_the_call_fails_at_once_saying_so()
    {
        using var nobody = new SandboxSignIn(_sandbox.CaCertificate) { CanSignIn = false };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("header"), nobody));

        Assert.Equal(OAuthErrorKind.SignInRequired, e.Kind);
        Assert.Contains("the test gave no way to sign in", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, nobody.Count);
        Assert.Equal(0, _as.Authorizations);
    }

    [Fact]
    public async Task A_401_to_a_cached_token_without_a_refresh_token_signs_in_again_once_and_resends()
    {
        var bare = _sandbox.BareAuthorization;
        await WhoAmIAsync(bare.Endpoint("bare"));
        var first = Assert.Single(_session.Tokens.SignIns.GetEntries()).Fingerprint;
        bare.RevokeAll();

        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, _person.Count);
        Assert.NotEqual(first, Assert.Single(_session.Tokens.SignIns.GetEntries()).Fingerprint);
    }

    [Fact]
    public async Task A_401_to_a_cached_token_with_a_refresh_token_refreshes_it_without_a_sign_in()
    {
        await WhoAmIAsync(_as.Endpoint("header"));
        Assert.Contains("offline_access", OAuthFlow.Query(_person.Last!.AuthorizationUrl)["scope"], StringComparison.Ordinal);
        _as.RevokeAll();

        var result = await WhoAmIAsync(_as.Endpoint("header"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, _person.Count);
        Assert.Equal(1, _as.Refreshes);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_sign_in()
    {
        using var slow = new SandboxSignIn(_sandbox.CaCertificate) { Delay = TimeSpan.FromMilliseconds(300) };
        var calls = Enumerable.Range(0, 5).Select(_ => Task.Run(() => WhoAmIAsync(_as.Endpoint("wellknown"), slow))).ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.StartsWith("alice", r.Text, StringComparison.Ordinal));
        Assert.Equal(1, slow.Count);
        Assert.Equal(1, _as.CodeExchanges);
    }

    [Fact]
    public async Task Clearing_one_endpoint_forgets_its_token_and_the_next_call_signs_in_again()
    {
        await WhoAmIAsync(_as.Endpoint("header"));
        await _session.ClearTokenCacheAsync(null);
        Assert.Empty(_session.Tokens.SignIns.GetEntries());

        await WhoAmIAsync(_as.Endpoint("header"));
        Assert.Equal(1, _session.Tokens.SignIns.Clear(_as.Endpoint("header")));
        await WhoAmIAsync(_as.Endpoint("header"));

        Assert.Equal(3, _person.Count);
    }

    private static Uri Replace(Uri url, string name, string value)
    {
        var query = OAuthFlow.Query(url);
        query[name] = value;
        return new UriBuilder(url) { Query = string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))) }.Uri;
    }
}
