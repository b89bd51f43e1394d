using System.Runtime.InteropServices;
using AgentGateway.Sandbox;

// Process mode (also the .NET tool agw-sandbox): dotnet AgentGateway.Sandbox.dll [options]; SandboxCommandLine.Usage
// lists them. Prints one JSON line (URLs, CA path, binding path, client id, dependencies, pid) and runs until stdin
// closes, SIGTERM / Ctrl+C, or POST {adminUrl}/admin/shutdown. Stdin closed from the start (without --ignore-stdin) is
// said on stderr, and it stops: it would otherwise print its line and exit at once, unnoticed.
// agw-sandbox stdio: the sandbox's local MCP server over stdio instead (SandboxStdioServer).
if (args is ["stdio"])
{
    return await SandboxStdioServer.RunAsync().ConfigureAwait(false);
}

var commandLine = SandboxCommandLine.Parse(args, out var error);
if (commandLine is null)
{
    await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
    await Console.Error.WriteLineAsync(SandboxCommandLine.Usage).ConfigureAwait(false);
    return SandboxCommandLine.ExitBadArgument;
}

if (commandLine.Help)
{
    Console.Out.WriteLine(SandboxCommandLine.Usage);
    return SandboxCommandLine.ExitOk;
}

// Watch stdin from the start: closed already (< /dev/null) reads its end at once, long before the sandbox is up.
var stdinClosed = commandLine.WatchStdin ? Task.Run(async () =>
{
    var buffer = new char[256];
    using var stdin = Console.OpenStandardInput();
    using var reader = new StreamReader(stdin);
    while (await reader.ReadAsync(buffer).ConfigureAwait(false) > 0)
    {
        // Drain until EOF.
    }
}) : null;

var options = new SandboxOptions { ShapeServers = commandLine.ShapeServers, RelayRoundTrip = TimeSpan.FromMilliseconds(commandLine.RttMs) };
if (commandLine.TokenLifetimeSeconds is { } l)
{
    options.TokenLifetime = TimeSpan.FromSeconds(l);
}

await using var sandbox = await SandboxGateway.StartAsync(options).ConfigureAwait(false);
if (stdinClosed is { IsCompleted: true })
{
    await Console.Error.WriteLineAsync(SandboxCommandLine.StdinClosedMessage).ConfigureAwait(false);
    return SandboxCommandLine.ExitStdinClosed;
}

var bindingPath = commandLine.Bindings is null ? null : sandbox.WriteServiceBinding(commandLine.Bindings);
Console.Out.WriteLine(sandbox.DescribeForProcess(bindingPath).ToJsonString());
Console.Out.Flush();

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
await Task.WhenAny(stop.Task, sandbox.ShutdownRequested, stdinClosed ?? Task.Delay(Timeout.Infinite)).ConfigureAwait(false);
return SandboxCommandLine.ExitOk;
