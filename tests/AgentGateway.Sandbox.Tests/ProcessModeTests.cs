using System.Diagnostics;
using System.Text.Json;

namespace AgentGateway.Sandbox.Tests;

/// <summary>
/// The sandbox as a process (what the agw-sandbox tool runs): --help, a bad argument, and standard input closed from
/// the start, which must not end in a JSON line and a silent exit 0.
/// </summary>
public sealed class ProcessModeTests
{
    private static readonly TimeSpan s_exitWait = TimeSpan.FromSeconds(60);

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentGateway.Sandbox.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The sandbox process did not start.");
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunToEndAsync(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(s_exitWait);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_every_option_and_exits_0(string option)
    {
        using var process = Start(option);
        var (exitCode, output, error) = await RunToEndAsync(process);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        foreach (var name in new[] { "--bindings", "--token-lifetime", "--ignore-stdin", "--shape-servers", "--rtt-ms", "--help" })
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }

        Assert.Contains("/admin/shutdown", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_argument_exits_2_naming_it_and_help()
    {
        using var process = Start("--no-such-option");
        var (exitCode, output, error) = await RunToEndAsync(process);

        Assert.Equal(SandboxCommandLine.ExitBadArgument, exitCode);
        Assert.Empty(output);
        Assert.Contains("bad argument '--no-such-option'", error, StringComparison.Ordinal);
        Assert.Contains("--ignore-stdin", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_closed_from_the_start_is_said_on_stderr_naming_ignore_stdin_and_no_JSON_line_is_printed()
    {
        using var process = Start("--bindings", Path.Combine(Path.GetTempPath(), $"agw-sandbox-test-{Guid.NewGuid():N}"));
        process.StandardInput.Close();   // as < /dev/null, '&' in a script or a CI step leave it
        var (exitCode, output, error) = await RunToEndAsync(process);

        Assert.Equal(SandboxCommandLine.ExitStdinClosed, exitCode);
        Assert.Empty(output);
        Assert.Contains("standard input is closed", error, StringComparison.Ordinal);
        Assert.Contains("--ignore-stdin", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_ignore_stdin_and_stdin_closed_it_runs_until_asked_to_stop()
    {
        using var process = Start("--ignore-stdin");
        process.StandardInput.Close();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(s_exitWait);
        Assert.NotNull(line);
        var adminUrl = JsonDocument.Parse(line).RootElement.GetProperty("adminUrl").GetString();

        // Standard input closed long ago: it still answers, and stops when told to.
        using var http = new HttpClient();
        using (var stats = await http.GetAsync(new Uri($"{adminUrl}/admin/stats")))
        {
            Assert.True(stats.IsSuccessStatusCode);
        }

        Assert.False(process.HasExited);
        using (await http.PostAsync(new Uri($"{adminUrl}/admin/shutdown"), null))
        {
        }

        var (exitCode, _, error) = await RunToEndAsync(process);
        Assert.Equal(SandboxCommandLine.ExitOk, exitCode);
        Assert.DoesNotContain("standard input is closed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_closed_after_the_JSON_line_stops_it_with_exit_0()
    {
        using var process = Start();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(s_exitWait);
        Assert.StartsWith("{", line, StringComparison.Ordinal);

        process.StandardInput.Close();   // how a Pester suite's AfterAll stops it
        var (exitCode, _, error) = await RunToEndAsync(process);
        Assert.Equal(SandboxCommandLine.ExitOk, exitCode);
        Assert.Empty(error);
    }
}

public sealed class SandboxCommandLineTests
{
    [Fact]
    public void Parses_every_option()
    {
        var line = SandboxCommandLine.Parse(["--bindings", "/tmp/b", "--token-lifetime", "60", "--ignore-stdin", "--shape-servers", "--rtt-ms", "5"], out var error);

        Assert.Null(error);
        Assert.NotNull(line);
        Assert.Equal("/tmp/b", line.Bindings);
        Assert.Equal(60, line.TokenLifetimeSeconds);
        Assert.False(line.WatchStdin);
        Assert.True(line.ShapeServers);
        Assert.Equal(5, line.RttMs);
        Assert.False(line.Help);
    }

    [Theory]
    [InlineData("--bindings")]
    [InlineData("--token-lifetime", "0")]
    [InlineData("--rtt-ms", "x")]
    [InlineData("--verbose")]
    public void Refuses_what_it_does_not_know_or_a_missing_value(params string[] args)
    {
        Assert.Null(SandboxCommandLine.Parse(args, out var error));
        Assert.Contains($"bad argument '{args[0]}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_usage_names_every_option()
    {
        foreach (var name in new[] { "--bindings", "--token-lifetime", "--ignore-stdin", "--shape-servers", "--rtt-ms", "--help" })
        {
            Assert.Contains(name, SandboxCommandLine.Usage, StringComparison.Ordinal);
        }
    }
}
