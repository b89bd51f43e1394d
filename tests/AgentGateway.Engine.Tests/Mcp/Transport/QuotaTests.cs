using System.Collections.Concurrent;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Runspace;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>
/// A gateway quota (the sandbox's, 429 with Retry-After: 1 past N requests a second): calls are waited out and sent
/// again, none is lost and none runs twice (counted on the server).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class QuotaTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;

    public QuotaTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _runspace = new SandboxRunspace(_sandbox);
        _session = _runspace.State;
    }

    public void Dispose()
    {
        _sandbox.McpQuotaPerSecond = 0;
        _runspace.Dispose();
    }

    [Fact]
    public async Task Calls_over_the_quota_are_waited_out_and_each_runs_exactly_once()
    {
        const int calls = 300;
        var travel = _sandbox.Dependencies.Single(d => d.ServerName == "sandbox-travel").OrdId;
        var first = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "echo", OrdId = travel, Arguments = new Dictionary<string, object?> { ["message"] = "warm" } });
        await first.InvokeAsync();
        _sandbox.ResetStats();
        _sandbox.McpQuotaPerSecond = 100;

        var results = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, calls, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "echo", OrdId = travel, Arguments = new Dictionary<string, object?> { ["message"] = $"m{i}" } }, ct);
            results.Add((await call.InvokeAsync(cancellationToken: ct)).Text);
        });

        var stats = _sandbox.GetStats();
        Assert.Equal(calls, results.Distinct().Count());
        Assert.Equal(calls, stats.ToolsCall);
        Assert.True(stats.QuotaRejected429 > 0, "the quota pushed back");
        var (throttled, inFlight) = _session.Connections.ThrottleOf(first.Target.Url);
        Assert.True(throttled);
        Assert.InRange(inFlight, 1, 255);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_time_left_ends_in_a_throttled_error_at_once()
    {
        var travel = _sandbox.Dependencies.Single(d => d.ServerName == "sandbox-travel").OrdId;
        await (await _session.PrepareCallAsync(new McpCallRequest { ToolName = "echo", OrdId = travel, Arguments = new Dictionary<string, object?> { ["message"] = "warm" } })).InvokeAsync();
        var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "echo", OrdId = travel, Arguments = new Dictionary<string, object?> { ["message"] = "x" }, Timeout = TimeSpan.FromSeconds(0.8) });
        _sandbox.ResetStats();
        _sandbox.McpQuotaPerSecond = -1;

        var e = await Assert.ThrowsAsync<McpGatewayException>(() => call.InvokeAsync());

        Assert.Equal(McpErrorKind.Throttled, e.Kind);
        Assert.Equal(429, e.StatusCode);
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);
        Assert.Equal(1, _sandbox.GetStats().QuotaRejected429);
    }
}
