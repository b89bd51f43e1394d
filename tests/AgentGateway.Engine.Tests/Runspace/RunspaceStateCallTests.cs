using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>The one call path (PrepareCallAsync, then InvokeAsync) against the sandbox gateway, through a real session.</summary>
[Collection(SandboxCollection.Name)]
public sealed class RunspaceStateCallTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;

    public RunspaceStateCallTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _runspace = new SandboxRunspace(_sandbox);
        _session = _runspace.State;
        _sandbox.ResetStats();
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }

    private string OrdIdOf(string serverName) => _sandbox.Dependencies.Single(d => d.ServerName == serverName).OrdId;

    private static McpCallRequest Echo(string message) => new() { ToolName = "echo", Arguments = new Dictionary<string, object?> { ["message"] = message } };

    [Fact]
    public async Task A_name_alone_finds_the_one_dependency_that_has_it_and_the_call_sends_what_was_shown()
    {
        var call = await _session.PrepareCallAsync(Echo("hello"));

        Assert.Equal(OrdIdOf("sandbox-travel"), call.Target.Dependency!.OrdId);
        Assert.Equal("echo", call.Tool!.Name);
        Assert.StartsWith("tool 'echo' on " + OrdIdOf("sandbox-travel"), call.Description, StringComparison.Ordinal);
        Assert.Equal("Invoke with arguments {\"message\":\"hello\"}", call.Action);
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);

        var result = await call.InvokeAsync();
        Assert.Equal("hello", result.Text);
        Assert.Equal(1, _sandbox.GetStats().ToolsCall);
    }

    [Fact]
    public async Task The_dependencies_are_listed_once_then_answered_from_the_session()
    {
        await _session.PrepareCallAsync(Echo("one"));
        var listed = _sandbox.GetStats().ToolsList;
        await _session.PrepareCallAsync(Echo("two"));
        await _session.PrepareCallAsync(Echo("three") with { OrdId = OrdIdOf("sandbox-travel") });

        Assert.True(listed >= 3, "each reachable dependency was listed");
        Assert.Equal(listed, _sandbox.GetStats().ToolsList);
    }

    [Fact]
    public async Task A_name_on_several_dependencies_is_AmbiguousTool_naming_them_before_any_call()
    {
        var e = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(new McpCallRequest { ToolName = "ping" }));

        Assert.Equal(McpErrorKind.AmbiguousTool, e.Kind);
        Assert.Equal([OrdIdOf("sandbox-crm"), OrdIdOf("sandbox-travel")], e.Candidates.Order(StringComparer.Ordinal));
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);
    }

    [Fact]
    public async Task An_unknown_name_is_ToolNotFound_with_the_closest_names_before_any_call()
    {
        var e = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(Echo("x") with { ToolName = "ecko" }));
        Assert.Equal(McpErrorKind.ToolNotFound, e.Kind);
        Assert.Contains("echo", e.Candidates);
        Assert.Contains(_sandbox.Dependencies.Single(d => d.IsDown).OrdId, e.Message, StringComparison.Ordinal);

        var onServer = await Assert.ThrowsAsync<McpGatewayException>(() =>
            _session.PrepareCallAsync(Echo("x") with { ToolName = "ecko", OrdId = OrdIdOf("sandbox-travel") }));
        Assert.Equal(McpErrorKind.ToolNotFound, onServer.Kind);
        Assert.Equal(["echo"], onServer.Candidates);
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);
    }

    [Fact]
    public async Task Arguments_that_break_the_schema_are_refused_before_any_call_unless_the_check_is_skipped()
    {
        var bad = new McpCallRequest { ToolName = "echo", OrdId = OrdIdOf("sandbox-travel"), Arguments = new Dictionary<string, object?> { ["message"] = 42 } };
        await Assert.ThrowsAsync<McpArgumentException>(() => _session.PrepareCallAsync(bad));
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);

        var skipped = await _session.PrepareCallAsync(bad with { SkipSchemaValidation = true, ToolName = "inspect-arguments" });
        Assert.Null(skipped.Tool);
        await skipped.InvokeAsync();
        Assert.Equal(1, _sandbox.GetStats().ToolsCall);
    }

    [Fact]
    public async Task An_unknown_ORD_id_is_NotFound_naming_it()
    {
        var e = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(Echo("x") with { OrdId = "sap.nowhere:mcpServer:x:v1" }));
        Assert.Equal(McpErrorKind.NotFound, e.Kind);
        Assert.Equal("sap.nowhere:mcpServer:x:v1", e.Subject);
    }

    [Fact]
    public async Task One_prepared_call_can_be_sent_many_times_concurrently()
    {
        var call = await _session.PrepareCallAsync(Echo("again") with { OrdId = OrdIdOf("sandbox-travel") });
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => call.InvokeAsync()));

        Assert.All(results, r => Assert.Equal("again", r.Text));
        Assert.Equal(8, _sandbox.GetStats().ToolsCall);
        Assert.Equal(1, _sandbox.GetStats().Initialize);
    }
}
