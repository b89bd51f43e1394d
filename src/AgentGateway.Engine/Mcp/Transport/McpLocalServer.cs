using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Diagnostics;
using System.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A local MCP server started as a process and spoken to over stdio: its command line, working directory and
/// environment, and the endpoint (<c>stdio://local/&lt;hash&gt;</c>) under which the runspace's pool keeps its one
/// process per command line. The process gets the environment of this one without the credentials' variables
/// (<c>INTEGRATION_*</c>, <c>SERVICE_BINDING_ROOT</c>) plus <see cref="Environment"/>; no token ever reaches it. Its
/// stderr is server text: each line made fit for a terminal and cut, sent to the verbose log of the operations
/// running on it, and the last lines kept.
/// </summary>
internal sealed class McpLocalServer
{
    /// <summary>The scheme of a local server's endpoint.</summary>
    public const string Scheme = "stdio";

    /// <summary>How many stderr lines are kept, and how long each may be.</summary>
    private const int KeptLines = 20;
    private const int LineLength = 500;

    private readonly Lock _gate = new();
    private readonly Queue<string> _stderr = new();
    private ICallLogSink[] _sinks = [];
    private int _starts;
    private long _oversized;

    public McpLocalServer(string command, IReadOnlyList<string>? arguments = null, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        Command = command;
        Arguments = arguments ?? [];
        WorkingDirectory = workingDirectory;
        Environment = environment ?? new Dictionary<string, string?>();

        // The key: the command line, the folder, and the environment's names and values (hashed: a value is never shown).
        var key = new StringBuilder().Append(command).Append('\0');
        foreach (var argument in Arguments)
        {
            key.Append(argument).Append('\0');
        }

        key.Append('\u0001').Append(workingDirectory).Append('\u0001');
        foreach (var (name, value) in Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            key.Append(name).Append('=').Append(value).Append('\0');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..24];
        Endpoint = new Uri($"{Scheme}://local/{hash}");
    }

    public string Command { get; }

    public IReadOnlyList<string> Arguments { get; }

    public string? WorkingDirectory { get; }

    /// <summary>Variables set for the process (values are never shown or written anywhere).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>The endpoint the pool keeps the process under.</summary>
    public Uri Endpoint { get; }

    /// <summary>The command and its arguments as one line, for display (never the environment).</summary>
    public string CommandLine => string.Join(' ', new[] { Command }.Concat(Arguments).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) || a.Contains('"', StringComparison.Ordinal) ? $"\"{a.Replace("\"", "\\\"", StringComparison.Ordinal)}\"" : a));

    /// <summary>How many times the process was started in this runspace (more than once: it ended or crashed and was started again).</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>The last lines the process wrote to stderr, made fit for a terminal.</summary>
    public IReadOnlyList<string> RecentErrorOutput
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Whether <paramref name="endpoint"/> names a local server.</summary>
    public static bool IsLocal(Uri? endpoint) => endpoint is not null && string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => CommandLine;

    /// <summary>Sends each stderr line to <paramref name="sink"/> (an operation's verbose log) until the scope is disposed.</summary>
    public IDisposable Attach(ICallLogSink? sink)
    {
        if (sink is null)
        {
            return new Detach(null);
        }

        lock (_gate)
        {
            _sinks = [.. _sinks, sink];
        }

        return new Detach(() =>
        {
            lock (_gate)
            {
                var i = Array.IndexOf(_sinks, sink);
                if (i >= 0)
                {
                    _sinks = [.. _sinks[..i], .. _sinks[(i + 1)..]];
                }
            }
        });
    }

    /// <summary>
    /// A transport that starts the process (the pool calls it once per process): its messages on stdout each at most
    /// <paramref name="maxMessageSize"/> bytes (the response size limit, as for an HTTP server's answers).
    /// </summary>
    internal McpLocalTransport NewTransport(TimeSpan shutdownTimeout, long maxMessageSize)
    {
        Interlocked.Increment(ref _starts);

        // On Windows a command such as npx is a .cmd shim, which CreateProcess does not find or run: cmd.exe runs it
        // (as the SDK's stdio transport does). An .exe is started as it is.
        var throughShell = OperatingSystem.IsWindows() && !Path.GetExtension(Command).Equals(".exe", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(throughShell ? "cmd.exe" : Command)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (WorkingDirectory is not null)
        {
            start.WorkingDirectory = WorkingDirectory;
        }

        if (throughShell)
        {
            start.ArgumentList.Add("/c");
            start.ArgumentList.Add(Command);
        }

        foreach (var argument in Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("INTEGRATION_", StringComparison.OrdinalIgnoreCase) || name.Equals("SERVICE_BINDING_ROOT", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name); // the credentials' variables never reach it
            }
        }

        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        CallLog.Verbose($"Starting the local MCP server: {ServerText.ForTerminal(CommandLine, LineLength)}.");
        return new McpLocalTransport(this, start, maxMessageSize, shutdownTimeout);
    }

    /// <summary>Notes that a message of the process was larger than <paramref name="limit"/> (its process is ended).</summary>
    internal void MarkOversized(long limit) => Interlocked.Exchange(ref _oversized, limit);

    /// <summary>The limit a message of the process went past since the last call, or null (taken once).</summary>
    internal long? TakeOversized() => Interlocked.Exchange(ref _oversized, 0) is > 0 and var limit ? limit : null;

    internal void OnStandardError(string line)
    {
        var text = $"stderr: {ServerText.ForTerminal(line, LineLength)}";
        ICallLogSink[] sinks;
        lock (_gate)
        {
            _stderr.Enqueue(text);
            while (_stderr.Count > KeptLines)
            {
                _stderr.Dequeue();
            }

            sinks = _sinks;
        }

        foreach (var sink in sinks)
        {
            sink.Verbose(text);
        }
    }

    private sealed class Detach(Action? undo) : IDisposable
    {
        public void Dispose() => Interlocked.Exchange(ref undo, null)?.Invoke();
    }
}
