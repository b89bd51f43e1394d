using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// Sign-in for MCP servers outside the gateway, end to end against the sandbox's OpenIddict authorization server and
/// the MCP endpoints it protects: discovery variants, PKCE code flow, the runspace cache, the 401 path, the refusals.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class SignInTests : SandboxAuthorizationTests
{
    public SignInTests(SandboxGatewayFixture fixture)
        : base(fixture)
    {
        SetPublicClient(Sandbox.Authorization, Sandbox.BareAuthorization);
    }

    public override void Dispose()
    {
        base.Dispose();
        As.AccessTokenLifetime = TimeSpan.FromHours(1);
    }

    [Fact]
    public async Task A_401_naming_resource_metadata_leads_to_a_PKCE_sign_in_and_the_token_is_cached_with_its_kind_and_issuer()
    {
        var endpoint = As.Endpoint("header");
        var result = await WhoAmIAsync(endpoint);

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, Person.Count);
        Assert.Equal(1, As.CodeExchanges);
        var query = OAuthFlow.Query(Person.Last!.AuthorizationUrl);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].Length);
        Assert.Equal(endpoint.AbsoluteUri, query["resource"]);
        Assert.Equal(SandboxAuthorizationServer.PublicClientId, query["client_id"]);
        Assert.DoesNotContain("code_verifier", Person.Last.AuthorizationUrl.Query, StringComparison.Ordinal);

        var entry = Assert.Single(Session.Tokens.SignIns.GetEntries());
        Assert.Equal(TokenKind.AuthorizationCode, entry.Kind);
        Assert.Equal(As.Issuer, entry.Issuer);
        Assert.Equal(endpoint.AbsoluteUri, entry.Resource);
        Assert.Equal("alice", entry.Subject);

        // The next call (listing and call) is served from the cache: no sign-in, no token request.
        await WhoAmIAsync(endpoint);
        Assert.Equal(1, Person.Count);
        Assert.Equal(1, As.CodeExchanges);
    }

    [Theory]
    [InlineData("wellknown")]
    [InlineData("legacy")]
    public async Task Discovery_finds_the_metadata_at_the_well_known_paths_and_in_the_2025_03_26_fallback(string variant)
    {
        var result = await WhoAmIAsync(As.Endpoint(variant));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, Person.Count);
    }

    [Fact]
    public async Task Without_any_metadata_the_2025_03_26_default_endpoints_are_used()
    {
        var bare = Sandbox.BareAuthorization;
        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(new Uri(bare.BaseUrl, "authorize").AbsoluteUri, Person.Last!.AuthorizationUrl.GetLeftPart(UriPartial.Path));
        Assert.Equal(1, bare.CodeExchanges);
    }

    [Fact]
    public async Task Resource_metadata_for_another_resource_is_refused_before_any_sign_in()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("mismatch")));

        Assert.Equal(OAuthErrorKind.ResourceMismatch, e.Kind);
        Assert.Contains("elsewhere.example", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Person.Count);
    }

    [Fact]
    public async Task A_plain_http_authorization_server_is_refused_before_anything_is_sent_to_it()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("insecure")));

        Assert.Equal(OAuthErrorKind.InsecureEndpoint, e.Kind);
        Assert.Equal(0, Person.Count);
    }

    [Fact]
    public async Task A_redirect_with_another_state_is_refused_and_its_code_never_redeemed()
    {
        using var forger = new SandboxSignIn(Sandbox.CaCertificate) { Tamper = u => Replace(u, "state", "forged") };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header"), forger));

        Assert.Equal(OAuthErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("state", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, As.CodeExchanges);
        Assert.Empty(Session.Tokens.SignIns.GetEntries());
    }

    [Fact]
    public async Task A_redirect_from_another_issuer_is_refused_as_a_mix_up()
    {
        using var mixUp = new SandboxSignIn(Sandbox.CaCertificate) { Tamper = u => Replace(u, "iss", "https://evil.example/") };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header"), mixUp));

        Assert.Equal(OAuthErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("evil.example", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, As.CodeExchanges);
    }

    [Fact]
    public async Task Without_a_way_to_sign_in_the_call_fails_at_once_saying_so()
    {
        using var nobody = new SandboxSignIn(Sandbox.CaCertificate) { CanSignIn = false };
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header"), nobody));

        Assert.Equal(OAuthErrorKind.SignInRequired, e.Kind);
        Assert.Contains("the test gave no way to sign in", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, nobody.Count);
        Assert.Equal(0, As.Authorizations);
    }

    [Fact]
    public async Task A_401_to_a_cached_token_without_a_refresh_token_signs_in_again_once_and_resends()
    {
        var bare = Sandbox.BareAuthorization;
        await WhoAmIAsync(bare.Endpoint("bare"));
        var first = Assert.Single(Session.Tokens.SignIns.GetEntries()).Fingerprint;
        bare.RevokeAll();

        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, Person.Count);
        Assert.NotEqual(first, Assert.Single(Session.Tokens.SignIns.GetEntries()).Fingerprint);
    }

    [Fact]
    public async Task A_401_to_a_cached_token_with_a_refresh_token_refreshes_it_without_a_sign_in()
    {
        await WhoAmIAsync(As.Endpoint("header"));
        Assert.Contains("offline_access", OAuthFlow.Query(Person.Last!.AuthorizationUrl)["scope"], StringComparison.Ordinal);
        As.RevokeAll();

        var result = await WhoAmIAsync(As.Endpoint("header"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, Person.Count);
        Assert.Equal(1, As.Refreshes);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_sign_in()
    {
        using var slow = new SandboxSignIn(Sandbox.CaCertificate) { Delay = TimeSpan.FromMilliseconds(300) };
        var calls = Enumerable.Range(0, 5).Select(_ => Task.Run(() => WhoAmIAsync(As.Endpoint("wellknown"), slow))).ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.StartsWith("alice", r.Text, StringComparison.Ordinal));
        Assert.Equal(1, slow.Count);
        Assert.Equal(1, As.CodeExchanges);
    }

    [Fact]
    public async Task Clearing_one_endpoint_forgets_its_token_and_the_next_call_signs_in_again()
    {
        await WhoAmIAsync(As.Endpoint("header"));
        await Session.ClearTokenCacheAsync(null);
        Assert.Empty(Session.Tokens.SignIns.GetEntries());

        await WhoAmIAsync(As.Endpoint("header"));
        Assert.Equal(1, Session.Tokens.SignIns.Clear(As.Endpoint("header")));
        await WhoAmIAsync(As.Endpoint("header"));

        Assert.Equal(3, Person.Count);
    }

    private static Uri Replace(Uri url, string name, string value)
    {
        var query = OAuthFlow.Query(url);
        query[name] = value;
        return new UriBuilder(url) { Query = string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))) }.Uri;
    }
}
