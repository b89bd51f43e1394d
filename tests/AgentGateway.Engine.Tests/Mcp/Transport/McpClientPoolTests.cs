using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>The session pool against the sandbox, with the real token provider: setups that fail, bounds, idle sessions.</summary>
[Collection(SandboxCollection.Name)]
public sealed class McpClientPoolTests : IAsyncLifetime
{
    private static readonly TokenClientOptions s_fast = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryAttempts = 1 };
    private readonly SandboxGateway _sandbox;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-pool-");
    private readonly List<IAsyncDisposable> _pools = [];
    private readonly List<IDisposable> _providers = [];

    public McpClientPoolTests(SandboxGatewayFixture fixture) => _sandbox = fixture.Sandbox;

    public Task InitializeAsync()
    {
        _sandbox.ResetStats();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }

        _providers.ForEach(p => p.Dispose());
        _sandbox.ReleaseTokenResponses();
        _sandbox.FailNext(0, 500);
        _sandbox.ResponseDelay = TimeSpan.Zero;
        _dir.Delete(recursive: true);
    }

    private TokenProvider Provider()
    {
        var credentials = CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, _sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, "creds.json"))));
        var provider = new TokenProvider(credentials, ClientConfig.Default.With(trustedCaPath: _sandbox.CaCertificatePath, timeout: TimeSpan.FromSeconds(20)), null, s_fast);
        _providers.Add(provider);
        return provider;
    }

    private McpGatewayClient Client(McpPoolOptions? options = null)
    {
        var pool = new McpClientPool((options ?? new McpPoolOptions()) with
        {
            TrustedCaPath = _sandbox.CaCertificatePath,
            TransientRetryDelay = TimeSpan.FromMilliseconds(10),
        });
        _pools.Add(pool);
        return new McpGatewayClient(pool);
    }

    private McpTarget Target(string serverName)
    {
        var d = _sandbox.Dependencies.Single(d => d.ServerName == serverName);
        return McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        while (!condition())
        {
            Assert.False(cts.IsCancellationRequested, $"The condition did not hold within {limit.TotalSeconds} s.");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_setup_that_fails_after_its_caller_left_is_not_handed_to_the_next_call()
    {
        // Defect 1: the caller leaves (Ctrl+C, -TimeoutSec) while its session is being set up; the setup then
        // fails (the token service is down). Once the service is back, the next call must reach it again.
        var provider = Provider();
        var auth = McpAuth.Gateway(provider, _sandbox.GatewayUrl);
        var client = Client();
        var target = Target("sandbox-travel");
        var pool = (McpClientPool)_pools[^1];
        var start = _sandbox.GetStats();
        _sandbox.FailNext(1, 400, oauthError: "temporarily_unavailable");
        _sandbox.HoldTokenResponses();
        using (var leave = new CancellationTokenSource())
        {
            var call = client.ListToolsAsync(target, auth, cancellationToken: leave.Token);

            // The caller leaves while its setup's token request is held at the token service (no time passes: the
            // service answers, with the injected failure, only once the test lets it).
            await WaitUntilAsync(() => _sandbox.HeldTokenRequests > 0, TimeSpan.FromSeconds(15));
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            _sandbox.ReleaseTokenResponses();
        }

        await WaitUntilAsync(() => _sandbox.GetStats().InjectedFailures > start.InjectedFailures, TimeSpan.FromSeconds(15));

        // The abandoned setup gets its failure, with no caller left to see it (the old pool kept it: wait in vain then).
        await WaitUntilAsync(() => provider.InflightCount == 0, TimeSpan.FromSeconds(15));
        await WaitUntilAsync(() => pool.Count == 0, TimeSpan.FromSeconds(5));
        var before = _sandbox.GetStats();

        var tools = await client.ListToolsAsync(target, auth);

        Assert.NotEmpty(tools);
        var after = _sandbox.GetStats();
        Assert.Equal(1, after.TokenRequests - before.TokenRequests);
        Assert.Equal(1, after.Initialize - before.Initialize);
    }

    [Fact]
    public async Task Every_failed_setup_is_a_fresh_attempt_and_a_fresh_exception()
    {
        var auth = McpAuth.Gateway(Provider(), _sandbox.GatewayUrl);
        var client = Client();
        var target = Target("sandbox-travel");
        _sandbox.FailNext(100, 400, oauthError: "invalid_client");

        var first = await Assert.ThrowsAsync<TokenRequestException>(() => client.ListToolsAsync(target, auth));
        var second = await Assert.ThrowsAsync<TokenRequestException>(() => client.ListToolsAsync(target, auth));

        Assert.NotSame(first, second);
        Assert.Equal(2, _sandbox.GetStats().TokenRequests);
    }

    [Fact]
    public async Task The_pool_keeps_at_most_its_bound_and_ends_the_least_recently_used_session()
    {
        var provider = Provider();
        var client = Client(new McpPoolOptions { MaxSessions = 2 });
        var target = Target("sandbox-travel");
        var users = Enumerable.Range(0, 3).Select(i => McpAuth.Gateway(provider, _sandbox.GatewayUrl, _sandbox.IssueUserJwt($"user-{i}"))).ToArray();
        var start = _sandbox.GetStats(); // other tests' sessions may still be ending

        await client.ListToolsAsync(target, users[0]);
        await client.ListToolsAsync(target, users[1]);
        await client.ListToolsAsync(target, users[0]); // users[1] is now the least recently used
        var beforeThird = _sandbox.GetStats();
        await client.ListToolsAsync(target, users[2]);
        await WaitUntilAsync(() => _sandbox.GetStats().SessionDeletes > start.SessionDeletes, TimeSpan.FromSeconds(10));
        await client.ListToolsAsync(target, users[0]); // still pooled: no new initialize

        var stats = _sandbox.GetStats();
        Assert.Equal(0, beforeThird.SessionDeletes - start.SessionDeletes);
        Assert.Equal(1, stats.SessionDeletes - start.SessionDeletes);
        Assert.Equal(3, stats.Initialize - start.Initialize);
        Assert.Equal(2, stats.OpenSessions - start.OpenSessions);
    }

    [Fact]
    public async Task A_session_in_use_is_never_the_one_closed()
    {
        var provider = Provider();
        var client = Client(new McpPoolOptions { MaxSessions = 1 });
        var target = Target("sandbox-travel");
        var busy = McpAuth.Gateway(provider, _sandbox.GatewayUrl, _sandbox.IssueUserJwt("busy"));
        var start = _sandbox.GetStats();
        var other = McpAuth.Gateway(provider, _sandbox.GatewayUrl, _sandbox.IssueUserJwt("other"));

        var slow = client.CallToolAsync(target, busy, "slow", new Dictionary<string, object?> { ["seconds"] = 1.5 });
        await WaitUntilAsync(() => _sandbox.GetStats().ToolsCall > start.ToolsCall, TimeSpan.FromSeconds(10));
        await client.ListToolsAsync(target, other); // over the bound while 'busy' has a call in flight
        var result = await slow;
        await WaitUntilAsync(() => _sandbox.GetStats().SessionDeletes > start.SessionDeletes, TimeSpan.FromSeconds(10));
        await client.ListToolsAsync(target, busy); // 'busy' was kept: no new initialize

        Assert.False(result.IsError);
        var stats = _sandbox.GetStats();
        Assert.Equal(2, stats.Initialize - start.Initialize);
        Assert.Equal(1, stats.SessionDeletes - start.SessionDeletes);
        Assert.Equal(1, stats.OpenSessions - start.OpenSessions);
    }

    [Fact]
    public async Task An_idle_session_is_closed_in_the_background()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = Client(new McpPoolOptions { IdleTimeout = TimeSpan.FromSeconds(60), TimeProvider = time });
        var start = _sandbox.GetStats();
        var auth = McpAuth.Gateway(Provider(), _sandbox.GatewayUrl);
        await client.ListToolsAsync(Target("sandbox-travel"), auth);

        var afterCall = _sandbox.GetStats();
        time.Advance(TimeSpan.FromSeconds(45));
        var after45 = _sandbox.GetStats().SessionDeletes;
        time.Advance(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => _sandbox.GetStats().SessionDeletes > start.SessionDeletes, TimeSpan.FromSeconds(10));

        Assert.Equal(afterCall.SessionDeletes, after45);
        Assert.Equal(1, _sandbox.GetStats().SessionDeletes - start.SessionDeletes);
        Assert.Equal(start.OpenSessions, _sandbox.GetStats().OpenSessions);
    }

    [Fact]
    public async Task Calls_in_flight_keep_their_answers_when_the_server_forgets_their_session()
    {
        // A batch (Invoke-McpTool -ThrottleLimit): 4 calls run on the session when the server forgets it; the next
        // call's 404 starts one new session, and the 4 still get their answers (their tools ran: never resent).
        var client = Client();
        var target = Target("sandbox-travel");
        var auth = McpAuth.Gateway(Provider(), _sandbox.GatewayUrl);
        await client.CallToolAsync(target, auth, "echo", new Dictionary<string, object?> { ["message"] = "before" });
        var start = _sandbox.GetStats();

        var running = Enumerable.Range(0, 4)
            .Select(_ => client.CallToolAsync(target, auth, "slow", new Dictionary<string, object?> { ["seconds"] = 3 }))
            .ToArray();
        await WaitUntilAsync(() => _sandbox.GetStats().ToolsCall - start.ToolsCall >= 4, TimeSpan.FromSeconds(15));
        _sandbox.ForgetAllSessions();
        var after = await client.CallToolAsync(target, auth, "echo", new Dictionary<string, object?> { ["message"] = "after" });
        var results = await Task.WhenAll(running);

        Assert.Equal("after", after.Text);
        Assert.All(results, r => Assert.Equal("waited 3s", r.Text));
        var stats = _sandbox.GetStats();
        Assert.Equal(1, stats.Initialize - start.Initialize);
        Assert.Equal(5, stats.ToolsCall - start.ToolsCall);
        Assert.True(stats.SessionNotFound404 > start.SessionNotFound404);
    }
}
