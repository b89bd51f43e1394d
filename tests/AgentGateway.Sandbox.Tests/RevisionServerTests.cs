using System.Text.Json;

namespace AgentGateway.Sandbox.Tests;

/// <summary>One sandbox and system token for <see cref="RevisionServerTests"/>.</summary>
public sealed class RevisionSandboxFixture : IAsyncLifetime
{
    public SandboxGateway Sandbox { get; private set; } = null!;

    public string Token { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Sandbox = await SandboxGateway.StartAsync();
        using var mtls = SandboxClient.Create(Sandbox, Sandbox.ClientCertificate);
        Token = await SandboxClient.GetSystemTokenAsync(Sandbox, mtls);
    }

    public async Task DisposeAsync() => await Sandbox.DisposeAsync();
}

/// <summary>The servers of other session modes and revisions, driven by the plain SDK client, counted per server.</summary>
public sealed class RevisionServerTests : IClassFixture<RevisionSandboxFixture>
{
    private readonly SandboxGateway _sandbox;
    private readonly string _token;

    public RevisionServerTests(RevisionSandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _token = fixture.Token;
        _sandbox.ResetStats();
    }

    [Theory]
    [InlineData("sandbox-stateless", null, "2026-07-28", false)]
    [InlineData("sandbox-stateless", "2025-11-25", "2025-11-25", false)]
    [InlineData("sandbox-mixed", null, "2026-07-28", false)]
    [InlineData("sandbox-mixed", "2025-11-25", "2025-11-25", true)]
    [InlineData("sandbox-desk", null, "2025-11-25", true)]
    public async Task Each_session_mode_serves_what_it_should(string serverName, string? requested, string negotiated, bool hasSession)
    {
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Server(serverName), _token, requested))
        {
            Assert.Equal(negotiated, client.NegotiatedProtocolVersion);
            Assert.Equal(hasSession, client.SessionId is not null);
            Assert.NotEmpty(await client.ListToolsAsync());
        }

        var stats = _sandbox.GetStats().ForServer(serverName);
        Assert.Equal(requested is null ? 1 : 0, stats.ServerDiscover);
        Assert.Equal(negotiated == "2026-07-28" ? 0 : 1, stats.Initialize);
        Assert.Equal(hasSession ? 1 : 0, stats.SessionDeletes);
    }

    [Fact]
    public async Task The_legacy_server_speaks_2025_03_26_and_answers_an_unknown_method_with_an_empty_result()
    {
        await using (var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Server("sandbox-legacy"), _token, "2025-03-26"))
        {
            Assert.Equal("sandbox-legacy", client.ServerInfo?.Name);
            Assert.NotNull(client.SessionId);
            var tools = await client.ListToolsAsync();
            Assert.Equal(["echo", "resumable", "stalled"], tools.Select(t => t.Name!).Order());
            var pong = await client.SendRequestAsync(new ModelContextProtocol.Protocol.JsonRpcRequest { Method = "server/discover" });
            Assert.Equal("{}", pong.Result!.ToJsonString());
        }

        Assert.Equal(1, _sandbox.GetStats().ForServer("sandbox-legacy").SessionDeletes);
    }

    [Fact]
    public async Task The_sdk_default_negotiation_cannot_use_the_legacy_server()
    {
        // What the module did before it negotiated itself: the SDK probes server/discover first, reads the empty
        // result as a discovery result, and fails.
        var e = await Assert.ThrowsAnyAsync<JsonException>(() => SandboxClient.ConnectAsync(_sandbox, _sandbox.Server("sandbox-legacy"), _token, protocolVersion: null));

        Assert.Contains("missing required properties", e.Message, StringComparison.Ordinal);
        var stats = _sandbox.GetStats().ForServer("sandbox-legacy");
        Assert.Equal(1, stats.ServerDiscover);
        Assert.Equal(0, stats.Initialize);
    }

    [Fact]
    public async Task A_pinned_newer_revision_is_refused_by_the_legacy_server()
    {
        // The other half of the old detour: initialize pinned to 2025-11-25 is answered with 2025-03-26.
        var e = await Assert.ThrowsAnyAsync<ModelContextProtocol.McpException>(() => SandboxClient.ConnectAsync(_sandbox, _sandbox.Server("sandbox-legacy"), _token, "2025-11-25"));

        Assert.Contains("2025-03-26", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _sandbox.GetStats().ForServer("sandbox-legacy").Initialize);
    }

    [Fact]
    public async Task The_resumable_tool_answers_on_the_resumed_stream()
    {
        await using var client = await SandboxClient.ConnectAsync(_sandbox, _sandbox.Server("sandbox-legacy"), _token, "2025-03-26");

        var result = await client.CallToolAsync("resumable", new Dictionary<string, object?> { ["message"] = "hi" });

        Assert.Equal("resumed: hi", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
        var stats = _sandbox.GetStats().ForServer("sandbox-legacy");
        Assert.Equal(1, stats.ToolsCall);
        Assert.Equal(1, stats.GetResumptions);
    }
}
