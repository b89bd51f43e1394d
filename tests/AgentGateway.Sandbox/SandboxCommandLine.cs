using System.Globalization;

namespace AgentGateway.Sandbox;

/// <summary>The command line of process mode (the .NET tool agw-sandbox): its options, its usage text, its exit codes.</summary>
public sealed class SandboxCommandLine
{
    /// <summary>Stopped as asked (standard input closed, SIGTERM, Ctrl+C, POST /admin/shutdown), or --help.</summary>
    public const int ExitOk = 0;

    /// <summary>An argument it does not know, or an option without its value.</summary>
    public const int ExitBadArgument = 2;

    /// <summary>Standard input was closed from the start, without --ignore-stdin: nothing would have stopped it but a signal.</summary>
    public const int ExitStdinClosed = 3;

    public const string Usage = """
        agw-sandbox: a local Agent Gateway for trying and testing the AgentGateway PowerShell module: an mTLS
        token service and MCP servers on 127.0.0.1, with a CA of its own.

        usage: agw-sandbox [--bindings <root>] [--token-lifetime <seconds>] [--ignore-stdin] [--shape-servers] [--rtt-ms <n>]
               agw-sandbox --help

          --bindings <root>           write a servicebinding.io binding with the credentials under <root>/agw-sandbox
                                      (point SERVICE_BINDING_ROOT at <root>)
          --token-lifetime <seconds>  lifetime of the access tokens it issues (default 3600)
          --ignore-stdin              do not stop when standard input closes; needed when it is closed from the start
                                      ('&' in a script, < /dev/null, a CI step). Stop it with SIGTERM (kill <pid>),
                                      Ctrl+C or POST <adminUrl>/admin/shutdown
          --shape-servers             also serve sandbox-shapes and sandbox-shapes-twin (every inputSchema shape)
          --rtt-ms <n>                reach the token service and the gateway through relays adding n ms per round trip
          --help, -h                  show this text

        It prints one JSON line on standard output (tokenServiceUrl, gatewayUrl, adminUrl, caCertificatePath,
        bindingPath, clientId, dependencies, servers, pid), then runs until its standard input closes (unless
        --ignore-stdin), SIGTERM or Ctrl+C, or POST <adminUrl>/admin/shutdown. With standard input closed from the
        start and no --ignore-stdin it prints no JSON line, says so on standard error and stops.

        Exit codes: 0 stopped as asked (or --help), 2 a bad argument, 3 standard input closed from the start.
        """;

    /// <summary>The message on standard error when standard input is closed from the start.</summary>
    public const string StdinClosedMessage =
        "agw-sandbox: standard input is closed (< /dev/null, '&' in a script, a CI step), and the sandbox stops when its " +
        "standard input closes, so it stopped at once. To run it in the background, pass --ignore-stdin and stop it with " +
        "SIGTERM (kill <pid>, the pid is in its JSON line), Ctrl+C or POST <adminUrl>/admin/shutdown. agw-sandbox --help says more.";

    public string? Bindings { get; private init; }

    public int? TokenLifetimeSeconds { get; private init; }

    public bool WatchStdin { get; private init; } = true;

    public bool ShapeServers { get; private init; }

    public int RttMs { get; private init; }

    public bool Help { get; private init; }

    /// <summary>The options of <paramref name="args"/>; null with <paramref name="error"/> set for a bad argument.</summary>
    public static SandboxCommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? bindings = null;
        int? lifetime = null;
        var watchStdin = true;
        var shapeServers = false;
        var rttMs = 0;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h" or "-?" or "/?":
                    return new SandboxCommandLine { Help = true };
                case "--bindings" when i + 1 < args.Count:
                    bindings = args[++i];
                    break;
                case "--token-lifetime" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    lifetime = seconds;
                    i++;
                    break;
                case "--ignore-stdin":
                    watchStdin = false;
                    break;
                case "--shape-servers":
                    shapeServers = true;
                    break;
                case "--rtt-ms" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var rtt):
                    rttMs = rtt;   // a LatencyRelay in front of the token service and the gateway (SandboxOptions.RelayRoundTrip)
                    i++;
                    break;
                default:
                    var wants = args[i] switch
                    {
                        "--bindings" => " (it takes a folder)",
                        "--token-lifetime" => " (it takes a whole number of seconds above 0)",
                        "--rtt-ms" => " (it takes a whole number of milliseconds)",
                        _ => string.Empty,
                    };
                    error = $"agw-sandbox: bad argument '{args[i]}'{wants}; agw-sandbox --help lists the options.";
                    return null;
            }
        }

        return new SandboxCommandLine { Bindings = bindings, TokenLifetimeSeconds = lifetime, WatchStdin = watchStdin, ShapeServers = shapeServers, RttMs = rttMs };
    }
}
