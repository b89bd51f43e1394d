using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Sandbox.Tests;

public sealed class GatewayTests : IAsyncLifetime
{
    private SandboxGateway _sandbox = null!;
    private HttpClient _mtls = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxGateway.StartAsync();
        _mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
    }

    public async Task DisposeAsync()
    {
        _mtls.Dispose();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Initialize_list_and_call_through_the_gateway()
    {
        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        var travel = _sandbox.Dependencies.Single(d => d.ServerName == "sandbox-travel");
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, travel, token))
        {
            Assert.Equal("sandbox-travel", client.ServerInfo?.Name);
            var tools = await client.ListToolsAsync();
            Assert.Contains(tools, t => t.Name == "echo");
            var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hi" });
            Assert.Equal("hi", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content!)).Text);
            Assert.Equal("corr-sandbox-travel", _sandbox.LastCorrelationId);

            var progress = new List<ProgressNotificationValue>();
            var slow = await client.CallToolAsync(
                "slow", new Dictionary<string, object?> { ["seconds"] = 0.5 }, new Progress(progress));
            Assert.NotEqual(true, slow.IsError);
            Assert.NotEmpty(progress);

            var inspect = await client.CallToolAsync("inspect-arguments", new Dictionary<string, object?>
            {
                ["flag"] = true,
                ["priority"] = "High",
                ["address"] = new Dictionary<string, object?> { ["street"] = "Main 1", ["city"] = "Walldorf", ["coordinates"] = new[] { 49.3, 8.6 } },
            });
            Assert.Equal("True", inspect.StructuredContent!.Value.GetProperty("kinds").GetProperty("flag").GetString());
            Assert.Equal(8.6, inspect.StructuredContent!.Value.GetProperty("arguments").GetProperty("address").GetProperty("coordinates")[1].GetDouble());
        }

        var crm = _sandbox.Dependencies.Single(d => d.ServerName == "sandbox-crm");
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, crm, token))
        {
            Assert.Equal("sandbox-crm", client.ServerInfo?.Name);
            var found = await client.CallToolAsync("find-customer", new Dictionary<string, object?> { ["query"] = "acme" });
            Assert.Equal(2, found.StructuredContent!.Value.GetProperty("count").GetInt32());
            var logo = await client.CallToolAsync("get-logo");
            Assert.Equal("image/png", Assert.IsType<ImageContentBlock>(Assert.Single(logo.Content!)).MimeType);
            var failed = await client.CallToolAsync("report-error");
            Assert.True(failed.IsError);
            var thrown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("throw-error").AsTask());
            Assert.Equal(McpErrorCode.InvalidParams, thrown.ErrorCode);
            var mixed = await client.CallToolAsync("mixed-content");
            Assert.Collection(mixed.Content!,
                c => Assert.IsType<TextContentBlock>(c),
                c => Assert.IsType<ResourceLinkBlock>(c),
                c => Assert.IsType<EmbeddedResourceBlock>(c));
        }

        var catalog = _sandbox.Dependencies.Single(d => d.ServerName == "sandbox-catalog");
        _sandbox.ResetStats();
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, catalog, token))
        {
            var tools = await client.ListToolsAsync();
            Assert.Equal(12, tools.Count);
            Assert.Equal(3, _sandbox.GetStats().ToolsList);
        }

        var stats = _sandbox.GetStats();
        Assert.Equal(1, stats.Initialize);
        Assert.Equal(1, stats.SessionDeletes);
    }

    [Fact]
    public async Task A_client_with_default_options_falls_back_to_a_session()
    {
        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Dependencies[1], token, protocolVersion: null))
        {
            Assert.Equal("sandbox-crm", client.ServerInfo?.Name);
            Assert.NotNull(client.SessionId);
            Assert.NotEmpty(await client.ListToolsAsync());
        }

        var stats = _sandbox.GetStats();
        Assert.Equal(1, stats.Initialize);
        Assert.Equal(1, stats.ToolsList);
    }

    [Fact]
    public async Task Slow_tool_honours_cancellation()
    {
        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        await using var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Dependencies[0], token);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.CallToolAsync("slow", new Dictionary<string, object?> { ["seconds"] = 30 }, cancellationToken: cts.Token).AsTask());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still alive" });
        Assert.NotEqual(true, echo.IsError);
    }

    [Fact]
    public async Task No_token_bad_token_and_revoked_token_are_401()
    {
        var endpoint = _sandbox.McpEndpoint(_sandbox.Dependencies[0]);
        using var http = SandboxClient.Create(_sandbox);

        using (var response = await http.PostAsync(endpoint, Initialize()))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(http, endpoint, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(http, endpoint, token[..^4] + "AAAA"));

        _sandbox.RevokeAllTokens();
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(http, endpoint, token));
        var fresh = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(http, endpoint, fresh));
        Assert.Equal(3, _sandbox.GetStats().Unauthorized401);
    }

    [Fact]
    public async Task Expired_token_is_401()
    {
        _sandbox.TokenLifetime = TimeSpan.FromSeconds(1);
        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        await Task.Delay(TimeSpan.FromSeconds(2.1));
        using var http = SandboxClient.Create(_sandbox);
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(http, _sandbox.McpEndpoint(_sandbox.Dependencies[0]), token));
    }

    [Fact]
    public async Task Forgotten_sessions_get_404_and_the_down_server_503()
    {
        var token = await SandboxClient.GetSystemTokenAsync(_sandbox, _mtls);
        await using var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Dependencies[0], token);
        Assert.NotNull(client.SessionId);
        _sandbox.ForgetAllSessions();

        using var http = SandboxClient.Create(_sandbox);
        using var request = new HttpRequestMessage(HttpMethod.Post, _sandbox.McpEndpoint(_sandbox.Dependencies[0]))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Mcp-Session-Id", client.SessionId);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(1, _sandbox.GetStats().SessionNotFound404);

        var down = _sandbox.Dependencies.Single(d => d.IsDown);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostInitializeAsync(http, _sandbox.McpEndpoint(down), token));
    }

    private static async Task<HttpStatusCode> PostInitializeAsync(HttpClient http, Uri endpoint, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = Initialize() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static StringContent Initialize() => new(
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"smoke","version":"1"}}}""",
        Encoding.UTF8,
        "application/json");

    private sealed class Progress(List<ProgressNotificationValue> sink) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
