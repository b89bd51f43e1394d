using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>
/// Answers crafted to hurt a client, from the sandbox's hand-written <c>sandbox-hostile-results</c> server: every
/// result converts or fails that call alone with its cause named; an answer larger than the limit fails at the limit
/// (an endless event line too); a failure after the request was sent says the tool may have run, and the call is
/// never sent twice (the gateway counts each tools/call it forwards: what the server ran).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class HostileResultTests : IAsyncLifetime
{
    private const string Server = "sandbox-hostile-results";
    private const long OneMegabyte = 1024 * 1024;

    private readonly SandboxGateway _sandbox;
    private readonly SandboxTokenSource _tokens;
    private readonly List<McpClientPool> _pools = [];
    private readonly McpAuth _auth;

    public HostileResultTests(SandboxGatewayFixture fixture)
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

    private McpGatewayClient NewClient(long maxResponseSize = 32 * OneMegabyte)
    {
        var pool = new McpClientPool(new McpPoolOptions
        {
            Timeout = TimeSpan.FromSeconds(20),
            TrustedCaPath = _sandbox.CaCertificatePath,
            TransientRetryDelay = TimeSpan.FromMilliseconds(10),
            MaxResponseSize = maxResponseSize,
        });
        _pools.Add(pool);
        return new McpGatewayClient(pool);
    }

    /// <summary>The server as a URL (-Uri), as a user points the module at a server of someone else's.</summary>
    private McpTarget ByUrl(string server = Server) => new(_sandbox.McpEndpoint(_sandbox.Server(server)));

    private McpTarget ByOrdId(string server = Server)
    {
        var d = _sandbox.Server(server);
        return McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId));
    }

    private static Dictionary<string, object?> Answer(string kind, long? size = null, int? depth = null, int i = 1)
    {
        var arguments = new Dictionary<string, object?> { ["kind"] = kind, ["i"] = i };
        if (size is { } s)
        {
            arguments["size"] = s;
        }

        if (depth is { } d)
        {
            arguments["depth"] = d;
        }

        return arguments;
    }

    private long ToolCalls() => _sandbox.GetStats().ForServer(Server).ToolsCall;

    [Theory]
    [InlineData("ok")]
    [InlineData("empty-key")]
    [InlineData("case-keys")]
    [InlineData("duplicate-keys")]
    [InlineData("reserved-keys")]
    [InlineData("odd-values")]
    [InlineData("nulls")]
    public async Task A_result_with_any_keys_and_values_arrives_whole(string kind)
    {
        var result = await NewClient().CallToolAsync(ByUrl(), _auth, "answer", Answer(kind));

        Assert.Equal(JsonValueKind.Object, result.Raw.ValueKind);
        Assert.Equal(1, ToolCalls());
        if (kind != "nulls")
        {
            Assert.Equal("row 1", result.Text);
            Assert.Equal(JsonValueKind.Object, result.StructuredContent!.Value.ValueKind);
        }
        else
        {
            // Blocks that are not objects, or lack what their type needs, are kept as unknown blocks: nothing is lost.
            Assert.Equal(6, result.Content.Count);
            Assert.All(result.Content, c => Assert.IsType<McpUnknownContent>(c));
            Assert.Null(result.StructuredContent);
        }
    }

    [Fact]
    public async Task A_string_with_a_lone_surrogate_escape_arrives()
    {
        var result = await NewClient().CallToolAsync(ByUrl(), _auth, "answer", Answer("lone-surrogate"));

        Assert.Equal("row 1", result.Text);
        Assert.Equal("a\uD800b", JsonStrings.Read(result.StructuredContent!.Value.GetProperty("s")));
    }

    [Fact]
    public async Task A_result_nested_as_deep_as_the_reader_allows_arrives_and_one_level_more_is_named()
    {
        var client = NewClient();
        var result = await client.CallToolAsync(ByUrl(), _auth, "answer", Answer("deep", depth: McpMessageScanner.MaxDepth));
        Assert.Equal(JsonValueKind.Object, result.StructuredContent!.Value.ValueKind);

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => client.CallToolAsync(ByUrl(), _auth, "answer", Answer("deep", depth: McpMessageScanner.MaxDepth + 1)));
        Assert.Contains("deeper than 64 levels", e.Message, StringComparison.Ordinal);
        Assert.True(e.AfterSend);
        Assert.Equal(2, ToolCalls());
    }

    [Theory]
    [InlineData("invalid-json", "is not valid JSON: it ends in the middle of the JSON")]
    [InlineData("garbage", "is not valid JSON: it holds the unquoted word 'this'")]
    [InlineData("infinity", "is not valid JSON: it holds a bare Infinity")]
    [InlineData("html", "with HTTP 200 and content type 'text/html', not a JSON-RPC reply")]
    [InlineData("other-id", "is a reply to another request (id \"not-yours\")")]
    [InlineData("other-id-sse", "ended without a reply to tools/call: it brought a reply to another request (id \"not-yours\")")]
    [InlineData("error-null-id", "is a reply that names no request (id null)")]
    public async Task An_answer_that_is_no_reply_names_its_cause_and_says_the_tool_may_have_run(string kind, string cause)
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => NewClient().CallToolAsync(ByUrl(), _auth, "answer", Answer(kind)));

        Assert.Contains(cause, e.Message, StringComparison.Ordinal);
        Assert.Contains("The tool may have run: calling it again may run it again.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("without a reply to request with ID", e.Message, StringComparison.Ordinal);
        Assert.True(e.AfterSend);
        Assert.Null(e.RpcErrorCode);
        Assert.Equal(1, ToolCalls());
    }

    [Theory]
    [InlineData("drop")] // the server ran the tool and closed the connection before any answer
    [InlineData("drop-sse")] // ... after starting an event stream
    [InlineData("drop-json")] // ... in the middle of a JSON body
    public async Task A_connection_that_breaks_after_the_call_was_sent_is_not_cannot_reach_and_is_not_resent(string kind)
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.ConnectionLost, () => NewClient().CallToolAsync(ByUrl(), _auth, "answer", Answer(kind)));

        Assert.Contains("broke after tools/call was sent", e.Message, StringComparison.Ordinal);
        Assert.Contains("The tool may have run", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot reach", e.Message, StringComparison.Ordinal);
        Assert.True(e.AfterSend);
        Assert.Equal(1, ToolCalls());
    }

    [Fact]
    public async Task A_call_that_times_out_after_it_was_sent_says_the_tool_may_have_run()
    {
        var client = NewClient();
        await client.ListToolsAsync(ByUrl(), _auth); // the session is set up: the timeout can only come after the call went out

        var e = await McpKind.ThrowsAsync(McpErrorKind.Timeout, () => client.CallToolAsync(ByUrl(), _auth, "answer", Answer("hang"), timeout: TimeSpan.FromSeconds(1)));

        Assert.Contains("did not finish within 1 s. The tool may have run: calling it again may run it again.", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, ToolCalls());
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_told_apart_nothing_was_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var e = await McpKind.ThrowsAsync(McpErrorKind.Connection, () => NewClient().CallToolAsync(new McpTarget(new Uri($"http://127.0.0.1:{port}/mcp")), McpAuth.None, "answer", Answer("ok")));

        Assert.Contains("nothing was sent", e.Message, StringComparison.Ordinal);
        Assert.False(e.AfterSend);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("text-sse")]
    public async Task An_answer_within_the_limit_arrives_and_one_past_it_fails_naming_the_limit(string kind)
    {
        var client = NewClient(maxResponseSize: OneMegabyte);

        var fits = await client.CallToolAsync(ByUrl(), _auth, "answer", Answer(kind, size: OneMegabyte - 200));
        Assert.Equal(OneMegabyte - 200, fits.Text.Length);

        var e = await McpKind.ThrowsAsync(McpErrorKind.ResponseTooLarge, () => client.CallToolAsync(ByUrl(), _auth, "answer", Answer(kind, size: OneMegabyte)));
        Assert.Equal(OneMegabyte, e.SizeLimit);
        Assert.Contains("larger than the response size limit of 1 MB (MaxResponseSizeMB)", e.Message, StringComparison.Ordinal);
        Assert.Contains("The tool may have run", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, ToolCalls());
    }

    [Fact]
    public async Task A_large_result_with_a_Content_Length_arrives_whole_and_one_past_the_limit_is_refused_unread()
    {
        var client = NewClient(maxResponseSize: OneMegabyte);
        var arguments = Answer("text", size: OneMegabyte - 200);
        arguments["sized"] = true;

        var result = await client.CallToolAsync(ByUrl(), _auth, "answer", arguments);
        Assert.Equal(OneMegabyte - 200, result.Text.Length);
        Assert.Equal(JsonValueKind.Object, result.Raw.ValueKind);

        arguments["size"] = OneMegabyte;
        var e = await McpKind.ThrowsAsync(McpErrorKind.ResponseTooLarge, () => client.CallToolAsync(ByUrl(), _auth, "answer", arguments));
        Assert.Contains("and none was read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_request_for_input_is_refused_naming_its_size()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => NewClient(maxResponseSize: 4 * OneMegabyte).CallToolAsync(ByUrl(), _auth, "answer", Answer("huge-input-required", size: 2 * OneMegabyte)));

        Assert.Contains("asks for input with a result of", e.Message, StringComparison.Ordinal);
        Assert.Contains("at most 1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, ToolCalls());
    }

    [Theory]
    [InlineData("huge-error")]
    [InlineData("huge-error-sse")]
    public async Task A_large_JSON_RPC_error_keeps_its_code_and_whole_message(string kind)
    {
        const long size = 3 * OneMegabyte;

        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => NewClient(maxResponseSize: 8 * OneMegabyte).CallToolAsync(ByUrl(), _auth, "answer", Answer(kind, size: size)));

        Assert.Equal(-32603, e.RpcErrorCode);
        Assert.Equal("huge error\n" + new string('e', (int)size), e.RpcErrorMessage);
        Assert.StartsWith("The MCP server at '", e.Message, StringComparison.Ordinal);
        Assert.Contains("answered with JSON-RPC error -32603: huge error", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 10_000);
        Assert.Equal(1, ToolCalls());
    }

    [Fact]
    public async Task An_event_line_that_never_ends_fails_at_the_limit()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.ResponseTooLarge, () => NewClient(maxResponseSize: OneMegabyte).CallToolAsync(ByUrl(), _auth, "answer", Answer("endless-sse")));

        Assert.StartsWith("An event of the answer of the MCP server", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, ToolCalls());
    }

    [Fact]
    public async Task A_listing_with_a_bare_Infinity_names_it()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => NewClient().ListToolsAsync(ByUrl("sandbox-hostile-listing"), _auth));

        Assert.Contains("to tools/list is not valid JSON: it holds a bare Infinity at byte", e.Message, StringComparison.Ordinal);
        Assert.Contains("(JSON has no Infinity or NaN)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("may have run", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_lost_twice_is_the_server_failing_not_a_wrong_address()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Server, () => NewClient().CallToolAsync(ByUrl(), _auth, "answer", Answer("lose-session")));

        Assert.Contains("lost its session again right after a new one was set up", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ORD", e.Message, StringComparison.Ordinal);
        Assert.Null(e.OrdId);
        Assert.Equal(404, e.StatusCode);
    }

    [Fact]
    public async Task A_failure_knows_whether_the_endpoint_was_a_dependency()
    {
        var byOrdId = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () => NewClient().CallToolAsync(ByOrdId(), _auth, "answer", Answer("html")));
        Assert.Equal(_sandbox.Server(Server).OrdId, byOrdId.OrdId);

        var noServer = await McpKind.ThrowsAsync(McpErrorKind.NotFound, () => NewClient().CallToolAsync(new McpTarget(new Uri(_sandbox.GatewayUrl, "/v1/mcp/no-such-server/t")), _auth, "answer", Answer("ok")));
        Assert.Null(noServer.OrdId);
        Assert.DoesNotContain("ORD", noServer.Message, StringComparison.Ordinal);
    }
}
