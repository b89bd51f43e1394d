using System.Globalization;
using System.Runtime.InteropServices;
using AgentGateway.Sandbox;

// Process mode (also the .NET tool agw-sandbox): dotnet AgentGateway.Sandbox.dll [--bindings <root>] [--token-lifetime <seconds>] [--ignore-stdin] [--shape-servers] [--rtt-ms <n>]
// Prints one JSON line (URLs, CA path, binding path, client id, dependencies, pid) and runs until stdin closes,
// SIGTERM / Ctrl+C, or POST {adminUrl}/admin/shutdown.
string? bindings = null;
int? lifetime = null;
var watchStdin = true;
var shapeServers = false;
var rttMs = 0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--bindings" when i + 1 < args.Length:
            bindings = args[++i];
            break;
        case "--token-lifetime" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
            lifetime = seconds;
            i++;
            break;
        case "--ignore-stdin":
            watchStdin = false;
            break;
        case "--shape-servers":
            shapeServers = true;
            break;
        case "--rtt-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var rtt):
            rttMs = rtt;   // a LatencyRelay in front of the token service and the gateway (SandboxOptions.RelayRoundTrip)
            i++;
            break;
        default:
            await Console.Error.WriteLineAsync($"usage: agw-sandbox [--bindings <root>] [--token-lifetime <seconds>] [--ignore-stdin] [--shape-servers] [--rtt-ms <n>] (bad argument '{args[i]}')").ConfigureAwait(false);
            return 2;
    }
}

var options = new SandboxOptions { ShapeServers = shapeServers, RelayRoundTrip = TimeSpan.FromMilliseconds(rttMs) };
if (lifetime is { } l)
{
    options.TokenLifetime = TimeSpan.FromSeconds(l);
}

await using var sandbox = await SandboxGateway.StartAsync(options).ConfigureAwait(false);
var bindingPath = bindings is null ? null : sandbox.WriteServiceBinding(bindings);
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
if (watchStdin)
{
    _ = Task.Run(async () =>
    {
        var buffer = new char[256];
        using var stdin = Console.OpenStandardInput();
        using var reader = new StreamReader(stdin);
        while (await reader.ReadAsync(buffer).ConfigureAwait(false) > 0)
        {
            // Drain until EOF.
        }

        stop.TrySetResult();
    });
}

await Task.WhenAny(stop.Task, sandbox.ShutdownRequested).ConfigureAwait(false);
return 0;
