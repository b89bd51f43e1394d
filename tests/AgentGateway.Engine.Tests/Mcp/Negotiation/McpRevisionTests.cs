using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp.Negotiation;

/// <summary>
/// Negotiation against servers of every session mode and revision, counted on the sandbox: what a first
/// connection costs, that later ones cost nothing more, and that a dropped stream is resumed, not resent.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class McpRevisionTests : IAsyncLifetime
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxTokenSource _tokens;
    private readonly McpNegotiation _negotiation = new();
    private readonly List<McpClientPool> _pools = [];
    private readonly McpAuth _auth;

    public McpRevisionTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _tokens = new SandboxTokenSource(_sandbox);
        _auth = McpAuth.Gateway(_tokens, _sandbox.GatewayUrl);
    }

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

        _tokens.Dispose();
    }

    /// <summary>A client over a new pool that shares this test's negotiation (as the pools of one runspace do).</summary>
    private McpGatewayClient NewClient(TimeSpan? timeout = null)
    {
        var pool = new McpClientPool(
            new McpPoolOptions { Timeout = timeout ?? TimeSpan.FromSeconds(20), TrustedCaPath = _sandbox.CaCertificatePath, TransientRetryDelay = TimeSpan.FromMilliseconds(10) },
            _negotiation);
        _pools.Add(pool);
        return new McpGatewayClient(pool);
    }

    private McpTarget Target(string serverName)
    {
        var d = _sandbox.Server(serverName);
        return McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId));
    }

    private static Dictionary<string, object?> Message(string text) => new() { ["message"] = text };

    [Theory]
    [InlineData("sandbox-travel", "2025-11-25", 1)] // stateful SDK server: discovery refused (-32022), initialize on the same connection
    [InlineData("sandbox-stateless", "2026-07-28", 0)] // stateless SDK server: discovery confirms, no initialize, no session
    [InlineData("sandbox-mixed", "2026-07-28", 0)] // both modes: discovery confirms, no session made and deleted
    [InlineData("sandbox-legacy", "2025-03-26", 1)] // hand-written, 2025-03-26 only, {} to unknown methods (as the conformance sse-retry server): initialize after it
    [InlineData("sandbox-probe-empty", "2025-11-25", 1)] // discovery answered {}
    [InlineData("sandbox-probe-malformed", "2025-11-25", 1)] // discovery answered with fields of the wrong types
    [InlineData("sandbox-probe-status", "2025-11-25", 1)] // discovery answered HTTP 404
    [InlineData("sandbox-probe-405", "2025-11-25", 1)] // discovery answered HTTP 405 (the SDK alone would fail)
    [InlineData("sandbox-probe-old", "2025-11-25", 1)] // discovery lists only older revisions
    [InlineData("sandbox-modern", "2026-07-28", 0)] // 2026-07-28 only, initialize would be -32601
    [InlineData("sandbox-modern-400", "2026-07-28", 0)] // 2026-07-28 only, initialize would be HTTP 400 -32022
    public async Task A_first_connection_costs_one_discovery_and_at_most_one_initialize_and_later_calls_nothing(
        string serverName, string revision, long initializes)
    {
        var client = NewClient();
        var target = Target(serverName);

        var tools = await client.ListToolsAsync(target, _auth);
        var first = _sandbox.GetStats().ForServer(serverName);
        Assert.Equal(initializes, first.Initialize);
        Assert.Equal(1, first.ServerDiscover);
        Assert.Equal(0, first.SessionDeletes);
        Assert.Equal(2 + initializes * 2, first.Requests); // discovery, tools/list; initialize and initialized
        Assert.All(tools, t => Assert.Equal(revision, t.ProtocolVersion));
        Assert.Equal(revision, _negotiation.RevisionOf(target.Url));

        for (var i = 0; i < 3; i++)
        {
            var result = await client.CallToolAsync(target, _auth, "echo", Message($"m{i}"));
            Assert.Equal($"m{i}", result.Text);
            Assert.Equal(revision, result.ProtocolVersion);
        }

        var later = _sandbox.GetStats().ForServer(serverName);
        Assert.Equal(first.Initialize, later.Initialize);
        Assert.Equal(first.ServerDiscover, later.ServerDiscover);
        Assert.Equal(3, later.ToolsCall);
        Assert.Equal(first.Requests + 3, later.Requests);
    }

    [Theory]
    [InlineData("sandbox-travel", 1)] // initialize pinned to the remembered revision
    [InlineData("sandbox-legacy", 1)]
    [InlineData("sandbox-mixed", 0)] // 2026-07-28: nothing to set up
    [InlineData("sandbox-stateless", 0)]
    public async Task A_new_pool_in_the_same_runspace_remembers_the_revision(string serverName, long initializes)
    {
        var target = Target(serverName);
        await NewClient().ListToolsAsync(target, _auth);
        _sandbox.ResetStats();

        var result = await NewClient().CallToolAsync(target, _auth, "echo", Message("again"));

        Assert.Equal("again", result.Text);
        var stats = _sandbox.GetStats().ForServer(serverName);
        Assert.Equal(initializes, stats.Initialize);
        Assert.Equal(0, stats.ServerDiscover);
    }

    [Fact]
    public async Task A_stream_that_closes_before_the_result_is_resumed_and_the_call_is_not_resent()
    {
        var result = await NewClient().CallToolAsync(Target("sandbox-legacy"), _auth, "resumable", Message("hello"));

        Assert.Equal("resumed: hello", result.Text);
        Assert.Equal("2025-03-26", result.ProtocolVersion);
        var stats = _sandbox.GetStats().ForServer("sandbox-legacy");
        Assert.Equal(1, stats.ToolsCall);
        Assert.Equal(1, stats.GetResumptions);
    }

    [Fact]
    public async Task The_timeout_bounds_the_wait_on_a_resumed_stream()
    {
        var client = NewClient();
        var target = Target("sandbox-legacy");
        await client.ListToolsAsync(target, _auth);

        var e = await McpKind.ThrowsAsync(McpErrorKind.Timeout, () => client.CallToolAsync(target, _auth, "stalled", Message("x"), timeout: TimeSpan.FromSeconds(2)));

        Assert.Equal(TimeSpan.FromSeconds(2), e.Timeout);
        var stats = _sandbox.GetStats().ForServer("sandbox-legacy");
        Assert.Equal(1, stats.ToolsCall);
        Assert.True(stats.GetResumptions >= 1, "the stream was resumed before the timeout");
    }

    [Fact]
    public async Task Cancelling_ends_the_wait_on_a_resumed_stream()
    {
        var client = NewClient();
        var target = Target("sandbox-legacy");
        await client.ListToolsAsync(target, _auth);
        using var cts = new CancellationTokenSource();

        var call = client.CallToolAsync(target, _auth, "stalled", Message("x"), cancellationToken: cts.Token);
        while (_sandbox.GetStats().ForServer("sandbox-legacy").GetResumptions == 0 && !call.IsCompleted)
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, _sandbox.GetStats().ForServer("sandbox-legacy").ToolsCall);
    }
}
