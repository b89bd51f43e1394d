using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// The sandbox's hostile servers (<see cref="HostileSchemaServer"/>), through a real session: a listing with unusable
/// and stack-overflowing schemas spoils only those tools, and -TimeoutSec bounds what a call waits for.
/// Each test here would end the test host (a stack overflow) if a hostile schema reached JsonSchema.Net.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class HostileSchemaTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;
    private readonly SandboxDependency _hostile;
    private readonly Uri _hostileUrl;

    public HostileSchemaTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _hostile = _sandbox.Server(HostileSchemaServer.HostileName);
        _hostileUrl = _sandbox.McpEndpoint(_hostile);

        // The credentials name the hostile server among the usual ones: travel, crm, hostile, catalog, offline.
        var credentials = JsonNode.Parse(_sandbox.CredentialsJson())!.AsObject();
        credentials["integrationDependencies"]!.AsArray().Insert(2, new JsonObject { ["ordId"] = _hostile.OrdId, ["globalTenantId"] = _hostile.GlobalTenantId });
        _runspace = new SandboxRunspace(_sandbox, credentialsJson: credentials.ToJsonString());
        _session = _runspace.State;
        _sandbox.ResetStats();
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }

    private long HostileCalls => _sandbox.GetStats().ForServer(HostileSchemaServer.HostileName).ToolsCall;

    [Fact]
    public async Task One_server_with_unusable_schemas_spoils_only_those_tools_of_every_server_listed()
    {
        // Defect 4: one such listing made the listing of every server fail, with an error naming neither.
        var listings = await _session.Tools.ListToolsAsync(_session.Tokens.DependencyTargets(), _session.Tokens.AuthFor(_sandbox.GatewayUrl, null, null), CancellationToken.None);

        Assert.Equal(["sandbox-travel", "sandbox-crm", HostileSchemaServer.HostileName, "sandbox-catalog"], listings.Where(l => l.Succeeded).Select(l => l.Tools![0].ServerName));
        Assert.False(listings[^1].Succeeded); // the offline dependency, as ever
        Assert.Contains(listings[0].Tools!, t => t.Name == "echo" && t.Problem is null);

        var hostile = listings[2].Tools!;
        Assert.Equal(HostileSchemaServer.UsableTools, hostile.Where(t => t.Problem is null && t.Name != "empty-property").Select(t => t.Name));
        Assert.Equal(HostileSchemaServer.UnusableTools, hostile.Where(t => t.Problem is not null && t.Name.Length > 0).Select(t => t.Name));
        Assert.Equal("entry 16 of the listing has no name", Assert.Single(hostile, t => t.Name.Length == 0).Problem);
        Assert.Equal(
            [
                "its $ref '#' at '#' leads back to where it started without going into the arguments, a loop without end",
                "its subschemas, with their $refs followed, nest deeper than 64 levels",
                "it is a string, not a JSON object",
                "it is null, not a JSON object",
                "its \"type\" is 5, not \"object\"",
                "its $ref '#/$defs/missing' at '#/properties/a' points to nothing in the schema",
            ],
            new[] { "loop-root", "deep-refs", "schema-string", "schema-null", "schema-type-5", "dangling-ref" }.Select(n => hostile.Single(t => t.Name == n).Problem));

        // One entry nested deeper than the SDK's reader goes (the whole reply does too) spoils only itself; an
        // outputSchema that deep is left out, the tool kept.
        Assert.Contains("deeper than 64", hostile.Single(t => t.Name == "deep-schema").Problem, StringComparison.Ordinal);
        var deepOutput = hostile.Single(t => t.Name == "deep-output");
        Assert.Null(deepOutput.Problem);
        Assert.Null(deepOutput.OutputSchema);

        // What does not fit a field is left out, never the tool.
        var odd = hostile.Single(t => t.Name == "odd-fields");
        Assert.Null(odd.Title);
        Assert.Equal(new McpToolAnnotations(null, null, false, null, null), odd.Annotations);
        Assert.Null(hostile.Single(t => t.Name == "recursive").OutputSchema);

        // Completion offers named tools only: an empty completion text would fail every completion of the line.
        Assert.DoesNotContain(_session.Tools.KnownTools, t => t.Name.Length == 0);
        Assert.Contains(_session.Tools.KnownTools, t => t.Name == "loop-root");
    }

    [Theory]
    [InlineData("loop-root")]
    [InlineData("loop-defs")]
    [InlineData("loop-anyof")]
    [InlineData("deep-refs")]
    [InlineData("ref-bomb")]
    [InlineData("schema-true")]
    public async Task A_call_of_a_tool_with_an_unusable_schema_is_refused_unsent_and_goes_unchecked_only_when_asked(string tool)
    {
        var request = new McpCallRequest { ToolName = tool, Uri = _hostileUrl, Arguments = new Dictionary<string, object?> { ["x"] = new Dictionary<string, object?>() } };

        var refused = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(request));
        var sent = await (await _session.PrepareCallAsync(request with { SkipSchemaValidation = true })).InvokeAsync();

        Assert.Equal(McpErrorKind.UnusableTool, refused.Kind);
        Assert.StartsWith($"The inputSchema of tool '{tool}' of the MCP server '{HostileSchemaServer.HostileName}' cannot be used: ", refused.Message, StringComparison.Ordinal);
        Assert.Equal("{\"name\":\"" + tool + "\",\"arguments\":{\"x\":{}}}", sent.Text);
        Assert.Equal(1, HostileCalls);
    }

    [Fact]
    public async Task A_pattern_that_backtracks_without_end_ends_the_check_within_the_calls_timeout()
    {
        // Defect 8: the check took JsonSchema.Net's 5 s under -TimeoutSec 1, then passed, and the value was sent.
        var request = new McpCallRequest
        {
            ToolName = "match",
            Uri = _hostileUrl,
            Arguments = new Dictionary<string, object?> { ["value"] = new string('a', 40) + "!" },
            Timeout = TimeSpan.FromSeconds(1),
        };

        await _session.PrepareCallAsync(request with { Arguments = new Dictionary<string, object?> { ["value"] = "aaa" }, Timeout = null }); // listed, checked, not sent
        var exception = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(request));

        Assert.Equal(McpErrorKind.ArgumentCheckTimeout, exception.Kind);
        Assert.True(exception.Timeout <= TimeSpan.FromSeconds(1), $"the check was bounded by what was left of the call's second, not {exception.Timeout}");
        Assert.Contains("'^(a+)+$'", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, HostileCalls);
    }

    [Fact]
    public async Task A_server_that_never_answers_initialize_is_given_up_on_at_the_calls_timeout_not_the_configs()
    {
        // Defect 8: Invoke-McpTool -TimeoutSec 3 returned after 60 s: the listing for the argument check used the config's timeout.
        _session.UpdateConfig(c => c.With(timeout: TimeSpan.FromMinutes(10)));
        var silent = _sandbox.McpEndpoint(_sandbox.Server(HostileSchemaServer.SilentName));
        var request = new McpCallRequest { ToolName = "echo", Uri = silent, Timeout = TimeSpan.FromSeconds(1.5) };

        var listing = await Assert.ThrowsAsync<McpGatewayException>(() => _session.PrepareCallAsync(request));
        var sent = await _session.PrepareCallAsync(request with { SkipSchemaValidation = true });
        var call = await Assert.ThrowsAsync<McpGatewayException>(() => sent.InvokeAsync());

        Assert.Equal(McpErrorKind.Timeout, listing.Kind);
        Assert.True(listing.Timeout <= TimeSpan.FromSeconds(1.5), $"the listing waited {listing.Timeout}, the call's time left");
        Assert.Contains("tools/list", listing.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorKind.Timeout, call.Kind);
        Assert.True(call.Timeout <= TimeSpan.FromSeconds(1.5), $"the call waited {call.Timeout}");
    }
}
