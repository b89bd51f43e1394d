using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// What a 2026-07-28 server may answer besides a result, against the sandbox's <c>sandbox-modern</c>: a
/// <c>resultType</c> no client knows, and the three errors of the revision (-32020 header mismatch, re-listed and sent
/// once more; -32021 missing capability; -32022 unsupported revision, which makes the runspace negotiate again).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ModernAnswerTests : IDisposable
{
    private const string Server = "sandbox-modern";
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;
    private readonly Uri _endpoint;

    public ModernAnswerTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _runspace = new SandboxRunspace(_sandbox);
        _session = _runspace.State;
        _endpoint = _sandbox.McpEndpoint(_sandbox.Server(Server));
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }

    private async Task<McpCallResult> CallAsync(string tool) =>
        await (await _session.PrepareCallAsync(new McpCallRequest { ToolName = tool, Uri = _endpoint, Arguments = tool == "echo" ? new Dictionary<string, object?> { ["message"] = "m" } : null })).InvokeAsync();

    private async Task<SandboxServerStatsSnapshot> WarmAsync()
    {
        await CallAsync("echo"); // negotiated and listed
        _sandbox.ResetStats();
        return _sandbox.GetStats().ForServer(Server);
    }

    [Fact]
    public async Task A_result_type_no_client_knows_is_an_error_that_says_the_tool_may_have_run()
    {
        await WarmAsync();

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => CallAsync("later"));

        Assert.Contains("'deferred'", e.Message, StringComparison.Ordinal);
        Assert.True(e.AfterSend);
        Assert.Null(e.RpcErrorCode);
    }

    [Fact]
    public async Task A_complete_result_type_is_a_result()
    {
        await WarmAsync();
        Assert.Equal("m", (await CallAsync("echo")).Text); // the server sends resultType "complete"
    }

    [Fact]
    public async Task A_header_mismatch_is_listed_again_and_sent_once_more_then_reported_with_its_code()
    {
        await WarmAsync();

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => CallAsync("refuse"));

        Assert.Equal(McpGatewayException.HeaderMismatchCode, e.RpcErrorCode);
        var stats = _sandbox.GetStats().ForServer(Server);
        Assert.Equal(1, stats.ToolsList);
        Assert.Equal(2, stats.ToolsCall);
        Assert.Equal(2, stats.HeaderMismatches);
    }

    [Fact]
    public async Task A_missing_capability_is_reported_with_its_code_and_not_resent()
    {
        await WarmAsync();

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => CallAsync("needs-sampling"));

        Assert.Equal(McpGatewayException.MissingCapabilityCode, e.RpcErrorCode);
        Assert.Equal(1, _sandbox.GetStats().ForServer(Server).ToolsCall);
    }

    [Fact]
    public async Task An_unsupported_revision_is_reported_with_its_code_and_the_next_call_negotiates_again()
    {
        await WarmAsync();

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => CallAsync("revision-gone"));
        Assert.Equal(McpGatewayException.UnsupportedRevisionCode, e.RpcErrorCode);
        Assert.Null(_session.Connections.ProtocolVersionOf(_endpoint));

        Assert.Equal("m", (await CallAsync("echo")).Text);
        Assert.Equal(1, _sandbox.GetStats().ForServer(Server).ServerDiscover);
        Assert.Equal("2026-07-28", _session.Connections.ProtocolVersionOf(_endpoint));
    }
}
