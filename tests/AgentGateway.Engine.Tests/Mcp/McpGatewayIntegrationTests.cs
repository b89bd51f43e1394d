using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp;

/// <summary>One sandbox gateway for the class; each test has its own pool and token source and resets the stats.</summary>
public sealed class SandboxGatewayFixture : IAsyncLifetime
{
    public SandboxGateway Sandbox { get; private set; } = null!;

    public async Task InitializeAsync() => Sandbox = await SandboxGateway.StartAsync();

    public async Task DisposeAsync() => await Sandbox.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxGatewayFixture>
{
    public const string Name = "sandbox gateway";
}

[Collection(SandboxCollection.Name)]
public sealed class McpGatewayIntegrationTests : IAsyncLifetime
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxTokenSource _tokens;
    private readonly McpClientPool _pool;
    private readonly McpGatewayClient _client;
    private readonly McpAuth _auth;

    public McpGatewayIntegrationTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _tokens = new SandboxTokenSource(_sandbox);
        _pool = new McpClientPool(new McpPoolOptions
        {
            Timeout = TimeSpan.FromSeconds(20),
            TrustedCaPath = _sandbox.CaCertificatePath,
            TransientRetryDelay = TimeSpan.FromMilliseconds(10),
        });
        _client = new McpGatewayClient(_pool);
        _auth = McpAuth.Gateway(_tokens, _sandbox.GatewayUrl);
    }

    public Task InitializeAsync()
    {
        _sandbox.ResetStats();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        _tokens.Dispose();
    }

    private McpTarget Target(string serverName)
    {
        var d = _sandbox.Dependencies.Single(d => d.ServerName == serverName);
        return McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId));
    }

    private IEnumerable<McpTarget> AllTargets() =>
        _sandbox.Dependencies.Select(d => McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId)));

    private static Dictionary<string, object?> Args(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Lists_every_dependency_with_an_error_for_the_one_that_is_down()
    {
        var listings = await _client.ListToolsAsync(AllTargets(), _auth, maxConcurrency: 4);

        Assert.Equal(_sandbox.Dependencies.Count, listings.Count);
        foreach (var (listing, dependency) in listings.Zip(_sandbox.Dependencies))
        {
            Assert.Equal(dependency.OrdId, listing.Target.Dependency!.OrdId);
            if (dependency.IsDown)
            {
                var error = McpKind.Is(McpErrorKind.Server, listing.Error);
                Assert.Equal(503, error.StatusCode);
                Assert.Equal(listing.Target.Url, error.Endpoint);
            }
            else
            {
                Assert.True(listing.Succeeded, listing.Error?.Message);
                Assert.NotEmpty(listing.Tools!);
                Assert.All(listing.Tools!, t => Assert.Equal(dependency.ServerName, t.ServerName));
                Assert.All(listing.Tools!, t => Assert.Equal(dependency.GlobalTenantId, t.GlobalTenantId));
            }
        }

        var echo = listings.SelectMany(l => l.Tools ?? []).First(t => t.Name == "echo");
        Assert.Equal(System.Text.Json.JsonValueKind.Object, echo.InputSchema.ValueKind);
        Assert.True(echo.Annotations!.ReadOnlyHint);
    }

    [Fact]
    public async Task Follows_tools_list_pagination_to_the_end()
    {
        var tools = await _client.ListToolsAsync(Target("sandbox-catalog"), _auth);

        var stats = _sandbox.GetStats();
        Assert.True(stats.ToolsList > 1, $"expected several pages, got {stats.ToolsList}");
        Assert.True(tools.Count > 4);
        Assert.Equal(tools.Count, tools.Select(t => t.Name).Distinct().Count());
        Assert.Equal(1, stats.ServerDiscover); // the first connection asks once whether the server speaks 2026-07-28
    }

    [Fact]
    public async Task Two_hundred_sequential_calls_initialize_once()
    {
        var target = Target("sandbox-travel");
        for (var i = 0; i < 200; i++)
        {
            var result = await _client.CallToolAsync(target, _auth, "echo", Args(("message", $"m{i}")));
            Assert.Equal($"m{i}", result.Text);
        }

        var stats = _sandbox.GetStats();
        Assert.Equal(1, stats.Initialize);
        Assert.Equal(200, stats.ToolsCall);
        Assert.Equal(1, stats.ServerDiscover); // once per endpoint, on the first connection
        Assert.Equal(1, _pool.Count);
        Assert.Equal(1, _tokens.Fetches);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_initialize()
    {
        var target = Target("sandbox-crm");
        var calls = Enumerable.Range(0, 16).Select(i => _client.CallToolAsync(target, _auth, "ping", null)).ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal("pong from sandbox-crm", r.Text));
        Assert.Equal(1, _sandbox.GetStats().Initialize);
    }

    [Fact]
    public async Task A_revoked_token_is_renewed_exactly_once_and_the_call_succeeds()
    {
        var target = Target("sandbox-travel");
        await _client.CallToolAsync(target, _auth, "echo", Args(("message", "before")));
        _sandbox.RevokeAllTokens();

        var result = await _client.CallToolAsync(target, _auth, "echo", Args(("message", "after")));

        Assert.Equal("after", result.Text);
        Assert.Equal(1, _sandbox.GetStats().Unauthorized401);
        Assert.Equal(1, _tokens.Invalidations);
        Assert.Equal(2, _tokens.Fetches);
        Assert.Equal(1, _sandbox.GetStats().Initialize);
    }

    [Fact]
    public async Task A_second_401_is_an_authentication_error()
    {
        var target = Target("sandbox-travel");
        await _client.CallToolAsync(target, _auth, "echo", Args(("message", "before")));
        _tokens.IgnoreInvalidate = true;
        _sandbox.RevokeAllTokens();

        var e = await McpKind.ThrowsAsync(McpErrorKind.Authentication, () => _client.CallToolAsync(target, _auth, "echo", Args(("message", "after"))));

        Assert.Equal(401, e.StatusCode);
        Assert.Equal(McpErrorKind.Authentication, e.Kind);
        Assert.Equal(2, _sandbox.GetStats().Unauthorized401);
        Assert.Equal(0, _sandbox.GetStats().ToolsCall - 1);
    }

    [Fact]
    public async Task A_forgotten_session_is_reinitialized_once_and_the_call_goes_through()
    {
        var target = Target("sandbox-travel");
        await _client.CallToolAsync(target, _auth, "echo", Args(("message", "before")));
        _sandbox.ForgetAllSessions();

        var result = await _client.CallToolAsync(target, _auth, "echo", Args(("message", "after")));

        Assert.Equal("after", result.Text);
        var stats = _sandbox.GetStats();
        Assert.Equal(2, stats.Initialize);
        Assert.True(stats.SessionNotFound404 >= 1);
    }

    [Fact]
    public async Task A_tool_failure_is_a_result_with_IsError()
    {
        var result = await _client.CallToolAsync(Target("sandbox-crm"), _auth, "report-error", Args(("reason", "because")));

        Assert.True(result.IsError);
        Assert.Contains("because", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_rpc_error_is_a_typed_exception_with_its_code()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Protocol, () =>
            _client.CallToolAsync(Target("sandbox-crm"), _auth, "throw-error", Args(("code", -32042))));

        Assert.Equal(-32042, e.RpcErrorCode);
        Assert.Contains("refuses", e.RpcErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_and_mixed_content_are_kept()
    {
        var travel = Target("sandbox-travel");
        var crm = Target("sandbox-crm");
        var tools = (await _client.ListToolsAsync([travel, crm], _auth)).SelectMany(l => l.Tools ?? []).ToList();
        var logoTool = tools.First(t => t.Name == "get-logo");

        var logo = await _client.CallToolAsync(new McpTarget(logoTool.Url), _auth, "get-logo", null);
        var image = Assert.IsType<McpImageContent>(Assert.Single(logo.Content, c => c is McpImageContent));
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal(0x89, image.GetBytes()![0]);

        var mixedTool = tools.First(t => t.Name == "mixed-content");
        var mixed = await _client.CallToolAsync(new McpTarget(mixedTool.Url), _auth, "mixed-content", null);
        Assert.Contains(mixed.Content, c => c is McpResourceLinkContent);
        Assert.Contains(mixed.Content, c => c is McpEmbeddedResourceContent);
    }

    [Fact]
    public async Task Arguments_arrive_as_the_user_wrote_them()
    {
        var inspect = await _client.CallToolAsync(Target("sandbox-travel"), _auth, "inspect-arguments", Args(
            ("name", "n"),
            ("count", 3),
            ("flag", true),
            ("when", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
            ("tags", new List<string> { "a", "b" }),
            ("address", new System.Collections.Hashtable { ["street"] = "Main 1", ["city"] = "Walldorf" })));

        Assert.False(inspect.IsError, inspect.Text);
        var args = inspect.StructuredContent!.Value.GetProperty("arguments");
        Assert.Equal(3, args.GetProperty("count").GetInt32());
        Assert.Equal("Walldorf", args.GetProperty("address").GetProperty("city").GetString());
        Assert.Equal("b", args.GetProperty("tags")[1].GetString());
    }

    [Fact]
    public async Task Progress_notifications_reach_the_callback()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<McpProgress>();
        var result = await _client.CallToolAsync(Target("sandbox-travel"), _auth, "slow", Args(("seconds", 0.6)), new Reported<McpProgress>(seen.Enqueue));

        Assert.False(result.IsError, result.Text);
        Assert.NotEmpty(seen);
        Assert.Contains(seen, p => p.Total is not null);
    }

    [Fact]
    public async Task A_cancelled_call_returns_promptly_and_the_session_stays_usable()
    {
        var target = Target("sandbox-travel");
        await _client.CallToolAsync(target, _auth, "echo", Args(("message", "warm")));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.CallToolAsync(target, _auth, "slow", Args(("seconds", 30)), cancellationToken: cts.Token));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {started.Elapsed}");

        var after = await _client.CallToolAsync(target, _auth, "echo", Args(("message", "still here")));
        Assert.Equal("still here", after.Text);
        Assert.Equal(1, _sandbox.GetStats().Initialize);
    }

    [Fact]
    public async Task A_cancelled_call_tells_the_server_with_notifications_cancelled()
    {
        var target = Target("sandbox-travel");

        // The session first: a setup slower than the cancellation (a loaded machine) would leave before any tools/call.
        await _client.CallToolAsync(target, _auth, "echo", Args(("message", "warm")));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.CallToolAsync(target, _auth, "slow", Args(("seconds", 30)), cancellationToken: cts.Token));

        // The notification goes out in the background: wait for it, a few seconds at most.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (_sandbox.GetStats().CancelledNotifications == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, _sandbox.GetStats().CancelledNotifications);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_HTTP2_connection_to_the_gateway()
    {
        var target = Target("sandbox-crm");
        var calls = Enumerable.Range(0, 32).Select(_ => _client.CallToolAsync(target, _auth, "ping", null)).ToArray();
        await Task.WhenAll(calls);

        var stats = _sandbox.GetStats();
        Assert.Equal(1, stats.Initialize);
        Assert.Equal(1, stats.GatewayTlsHandshakes);
    }

    [Fact]
    public async Task A_completed_call_sends_no_cancellation()
    {
        await _client.CallToolAsync(Target("sandbox-travel"), _auth, "slow", Args(("seconds", 0.2)));
        await Task.Delay(300);
        Assert.Equal(0, _sandbox.GetStats().CancelledNotifications);
    }

    [Fact]
    public async Task A_call_over_its_timeout_is_a_timeout_error()
    {
        var e = await McpKind.ThrowsAsync(McpErrorKind.Timeout, () =>
            _client.CallToolAsync(Target("sandbox-travel"), _auth, "slow", Args(("seconds", 30)), timeout: TimeSpan.FromMilliseconds(500)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), e.Timeout);
    }

    [Fact]
    public async Task Requests_carry_a_correlation_id()
    {
        await _client.CallToolAsync(Target("sandbox-travel"), _auth, "echo", Args(("message", "x")));
        Assert.True(Guid.TryParse(_sandbox.LastCorrelationId, out _), _sandbox.LastCorrelationId);
    }

    [Fact]
    public async Task A_down_server_is_a_server_error_and_the_call_is_not_repeated_as_a_tool_call()
    {
        var down = _sandbox.Dependencies.Single(d => d.IsDown);
        var target = McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(down.OrdId, down.GlobalTenantId));

        var e = await McpKind.ThrowsAsync(McpErrorKind.Server, () => _client.CallToolAsync(target, _auth, "echo", Args(("message", "x"))));

        Assert.Equal(503, e.StatusCode);
        Assert.Equal(0, _sandbox.GetStats().ToolsCall);
        Assert.Equal(0, _pool.Count);
    }

    [Fact]
    public async Task An_unknown_dependency_is_not_found()
    {
        var target = McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency("sap.sandbox:mcpServer:nope:v1", "nowhere"));
        var e = await McpKind.ThrowsAsync(McpErrorKind.NotFound, () => _client.ListToolsAsync(target, _auth));
        Assert.Equal(404, e.StatusCode);
    }

    [Fact]
    public async Task Clearing_the_pool_ends_the_sessions()
    {
        await _client.CallToolAsync(Target("sandbox-travel"), _auth, "echo", Args(("message", "x")));
        await _client.CallToolAsync(Target("sandbox-crm"), _auth, "ping", null);
        Assert.Equal(2, _pool.Count);

        await _pool.ClearAsync();

        Assert.Equal(0, _pool.Count);
        Assert.Equal(2, _sandbox.GetStats().SessionDeletes);
    }

    /// <summary>Progress handled on the reporting thread (a <see cref="Progress{T}"/> would post it later, to the thread pool).</summary>
    private sealed class Reported<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
