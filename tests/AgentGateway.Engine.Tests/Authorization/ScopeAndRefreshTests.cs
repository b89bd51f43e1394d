using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Tests.Mcp;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>Scopes (step-up on 403 insufficient_scope, bounded; offline_access only where listed) and refresh ahead of expiry.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ScopeAndRefreshTests : SandboxAuthorizationTests
{
    private readonly FakeTimeProvider _time;

    public ScopeAndRefreshTests(SandboxGatewayFixture fixture)
        : this(fixture, new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private ScopeAndRefreshTests(SandboxGatewayFixture fixture, FakeTimeProvider time)
        : base(fixture, time)
    {
        _time = time;
        SetPublicClient(Sandbox.Authorization, Sandbox.BareAuthorization);
    }

    public override void Dispose()
    {
        As.DeniedScopes = [];
        base.Dispose();
    }

    [Fact]
    public async Task A_403_insufficient_scope_signs_in_again_for_the_wider_scope_and_resends()
    {
        var result = await WhoAmIAsync(As.Endpoint("scoped"));

        Assert.Contains("files:write", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, Person.Count);
        var scope = OAuthFlow.Query(Person.Last!.AuthorizationUrl)["scope"].Split(' ');
        Assert.Contains("files:read", scope);
        Assert.Contains("files:write", scope);
    }

    [Fact]
    public async Task A_scope_the_server_never_grants_ends_after_the_bounded_step_ups()
    {
        As.DeniedScopes = ["files:write"];
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("scoped")));

        Assert.Equal(OAuthErrorKind.InsufficientScope, e.Kind);
        Assert.InRange(Person.Count, 2, 1 + McpGatewayClient.MaxStepUps);
    }

    [Fact]
    public async Task Offline_access_is_asked_only_where_the_server_lists_it()
    {
        await WhoAmIAsync(Sandbox.BareAuthorization.Endpoint("bare"));
        Assert.False(OAuthFlow.Query(Person.Last!.AuthorizationUrl).ContainsKey("scope"));

        await WhoAmIAsync(As.Endpoint("wellknown"));
        Assert.Contains("offline_access", OAuthFlow.Query(Person.Last!.AuthorizationUrl)["scope"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_in_its_last_tenth_is_served_and_refreshed_once_in_the_background()
    {
        await WhoAmIAsync(As.Endpoint("header"));
        var first = Assert.Single(Session.Tokens.SignIns.GetEntries());

        _time.Advance(TimeSpan.FromSeconds(3300));
        Assert.True(Assert.Single(Session.Tokens.SignIns.GetEntries()).RefreshDue);
        await WhoAmIAsync(As.Endpoint("header"));

        for (var i = 0; i < 100 && As.Refreshes == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, As.Refreshes);
        Assert.Equal(1, Person.Count);
        await WaitUntilAsync(() => Session.Tokens.SignIns.GetEntries().Any(e => e.Fingerprint != first.Fingerprint));
        Assert.False(Session.Tokens.SignIns.GetEntries().Single(e => e.Fingerprint != first.Fingerprint).RefreshDue);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
