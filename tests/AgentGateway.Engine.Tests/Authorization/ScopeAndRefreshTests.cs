using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using AgentGateway.Sandbox.Authorization;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>Scopes (step-up on 403 insufficient_scope, bounded; offline_access only where listed) and refresh ahead of expiry.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ScopeAndRefreshTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxAuthorizationServer _as;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RunspaceState _session;
    private readonly SandboxSignIn _person;

    public ScopeAndRefreshTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _as = _sandbox.Authorization;
        _as.ResetCounters();
        _session = new RunspaceState(_ => null, _time);
        _session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));
        foreach (var server in new[] { _as, _sandbox.BareAuthorization })
        {
            _session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(server.Issuer), ClientId = SandboxAuthorizationServer.PublicClientId });
        }

        _person = new SandboxSignIn(_sandbox.CaCertificate);
    }

    public void Dispose()
    {
        _as.DeniedScopes = [];
        _session.Dispose();
        _person.Dispose();
    }

    private async Task<McpCallResult> WhoAmIAsync(Uri endpoint)
    {
        using (AuthorizationInteraction.Use(_person))
        {
            var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = endpoint, Timeout = TimeSpan.FromSeconds(60) });
            return await call.InvokeAsync();
        }
    }

    [Fact]
    public async Task A_403_insufficient_scope_signs_in_again_for_the_wider_scope_and_resends()
    {
        var result = await WhoAmIAsync(_as.Endpoint("scoped"));

        Assert.Contains("files:write", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, _person.Count);
        var scope = OAuthFlow.Query(_person.Last!.AuthorizationUrl)["scope"].Split(' ');
        Assert.Contains("files:read", scope);
        Assert.Contains("files:write", scope);
    }

    [Fact]
    public async Task A_scope_the_server_never_grants_ends_after_the_bounded_step_ups()
    {
        _as.DeniedScopes = ["files:write"];
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("scoped")));

        Assert.Equal(OAuthErrorKind.InsufficientScope, e.Kind);
        Assert.InRange(_person.Count, 2, 1 + McpGatewayClient.MaxStepUps);
    }

    [Fact]
    public async Task Offline_access_is_asked_only_where_the_server_lists_it()
    {
        await WhoAmIAsync(_sandbox.BareAuthorization.Endpoint("bare"));
        Assert.False(OAuthFlow.Query(_person.Last!.AuthorizationUrl).ContainsKey("scope"));

        await WhoAmIAsync(_as.Endpoint("wellknown"));
        Assert.Contains("offline_access", OAuthFlow.Query(_person.Last!.AuthorizationUrl)["scope"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_in_its_last_tenth_is_served_and_refreshed_once_in_the_background()
    {
        await WhoAmIAsync(_as.Endpoint("header"));
        var first = Assert.Single(_session.Tokens.SignIns.GetEntries());

        _time.Advance(TimeSpan.FromSeconds(3300));
        Assert.True(Assert.Single(_session.Tokens.SignIns.GetEntries()).RefreshDue);
        await WhoAmIAsync(_as.Endpoint("header"));

        for (var i = 0; i < 100 && _as.Refreshes == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, _as.Refreshes);
        Assert.Equal(1, _person.Count);
        await WaitUntilAsync(() => _session.Tokens.SignIns.GetEntries().Any(e => e.Fingerprint != first.Fingerprint));
        Assert.False(_session.Tokens.SignIns.GetEntries().Single(e => e.Fingerprint != first.Fingerprint).RefreshDue);
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
