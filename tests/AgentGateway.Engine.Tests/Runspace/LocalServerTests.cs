using System.Collections.Concurrent;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Runspace;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// A local MCP server over stdio (the sandbox's own, <c>agw-sandbox stdio</c>) through the runspace state. The tests share
/// one runspace state and its process (a process start costs seconds); each holds whatever state the others leave.
/// </summary>
public sealed class LocalServerTests : IClassFixture<LocalServerTests.Fixture>
{
    private readonly RunspaceState _state;
    private readonly McpLocalServer _server;

    public LocalServerTests(Fixture fixture)
    {
        _state = fixture.State;
        _server = _state.Connections.AddLocalServer(fixture.Server);
    }

    public sealed class Fixture : IDisposable
    {
        internal RunspaceState State { get; } = new(_ => null);

        internal McpLocalServer Server { get; } = new("dotnet", [typeof(SandboxGateway).Assembly.Location, "stdio"], environment: new Dictionary<string, string?> { ["AGW_STDIO_MARK"] = "marked" });

        public void Dispose() => State.Dispose();
    }

    private async Task<string> CallAsync(string tool, ICallLogSink? log = null)
    {
        using var scope = CallLog.Use(log);
        var call = await _state.PrepareCallAsync(new McpCallRequest { ToolName = tool, Uri = _server.Endpoint, Timeout = TimeSpan.FromSeconds(30) });
        var result = await call.InvokeAsync();
        return string.Join("", result.Content.OfType<McpTextContent>().Select(t => t.Text));
    }

    [Fact]
    public async Task One_process_per_command_line_serves_tools_and_resources_and_sees_no_credentials()
    {
        var first = await CallAsync("whoami");
        var starts = _server.Starts;
        var target = new McpTarget(_server.Endpoint);
        var resources = (await _state.Primitives.ListResourcesAsync([target], McpAuth.None, TimeSpan.FromSeconds(30), CancellationToken.None))[0];
        var second = await CallAsync("whoami");
        var again = _state.Connections.AddLocalServer(new McpLocalServer("dotnet", [typeof(SandboxGateway).Assembly.Location, "stdio"], environment: new Dictionary<string, string?> { ["AGW_STDIO_MARK"] = "marked" }));

        Assert.Equal(first, second);
        Assert.Contains("credentials variables: []", first, StringComparison.Ordinal);
        Assert.Contains("AGW_STDIO_MARK=marked", first, StringComparison.Ordinal);
        Assert.Contains(resources.Value!, r => r.Uri == "travel://guides/lisbon");
        Assert.Same(_server, again);
        Assert.Equal(starts, _server.Starts);
        Assert.True(_state.Connections.IsRunning(_server));
        Assert.DoesNotContain("marked", _server.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stderr_reaches_the_verbose_log_of_the_call_made_fit_for_a_terminal()
    {
        var log = new Lines();
        await CallAsync("complain", log);

        Assert.Contains(log.Verbose, l => l.Contains("stderr: complaint one", StringComparison.Ordinal));
        var hostile = Assert.Single(log.Verbose, l => l.Contains("two", StringComparison.Ordinal) && l.StartsWith("stderr:", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', hostile);
        Assert.DoesNotContain('\u0007', hostile);
        Assert.Contains(_server.RecentErrorOutput, l => l.Contains("ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crashed_process_fails_its_call_and_is_started_again_by_the_next()
    {
        var before = await CallAsync("whoami");
        var starts = _server.Starts;

        var crash = await Assert.ThrowsAnyAsync<Exception>(() => CallAsync("crash"));
        var after = await CallAsync("whoami");

        Assert.IsType<McpGatewayException>(crash);
        Assert.NotEqual(before, after);
        Assert.Equal(starts + 1, _server.Starts); // the crashed call was not sent again
    }

    [Fact]
    public async Task A_process_that_ended_unseen_is_started_anew_and_the_call_sent_to_the_new_one()
    {
        var before = await CallAsync("whoami");
        var starts = _server.Starts;
        var pid = int.Parse(before.Split(';')[0]["pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        using (var process = System.Diagnostics.Process.GetProcessById(pid))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        // The pool may not have seen the end yet: a message it cannot write goes to a process started anew.
        var after = await CallAsync("whoami");

        Assert.NotEqual(before, after);
        Assert.Equal(starts + 1, _server.Starts);
    }

    [Fact]
    public async Task A_message_to_a_process_that_has_ended_fails_as_not_written()
    {
        // A process that exits at once (no MCP server): once it is gone, a message cannot be written to it, and the
        // failure says so (the runspace's call then sends it to a process started anew: nothing reached the old one).
        var ended = new McpLocalServer("dotnet", ["--version"]);
        await using var transport = await ended.NewTransport(TimeSpan.FromSeconds(5), 1 << 20).ConnectAsync();
        var message = new ModelContextProtocol.Protocol.JsonRpcNotification { Method = "notifications/initialized" };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var failure = await Assert.ThrowsAsync<LocalServerEndedException>(async () =>
        {
            while (true)
            {
                // Written into the pipe while the process still runs; refused once it has ended.
                await transport.SendMessageAsync(message, deadline.Token);
                await Task.Delay(50, deadline.Token);
            }
        });

        Assert.IsAssignableFrom<IOException>(failure.InnerException);
    }

    [Fact]
    public async Task A_stopped_server_is_no_longer_running()
    {
        await CallAsync("ping");
        Assert.True(_state.Connections.IsRunning(_server));

        Assert.True(await _state.Connections.StopLocalServerAsync(_server));

        Assert.False(_state.Connections.IsRunning(_server));
        Assert.Empty(_state.Connections.LocalServers.All);
        Assert.Same(_server, _state.Connections.AddLocalServer(_server));
    }

    private sealed class Lines : ICallLogSink
    {
        private readonly ConcurrentQueue<string> _verbose = new();

        public IReadOnlyList<string> Verbose => [.. _verbose];

        void ICallLogSink.Verbose(string message) => _verbose.Enqueue(message);

        void ICallLogSink.Debug(string message)
        {
        }
    }
}
