using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Sessions;

/// <summary>
/// The engine state of one runspace: its config and, built on it, the token provider and the
/// MCP session pool. Every cmdlet of a runspace shares one; another runspace has its own.
/// Disposing it releases what it holds.
/// </summary>
public sealed class AgwSession : IDisposable
{
    private static int s_liveCount;
    private static long s_nextId;

    private readonly Lock _gate = new();
    private readonly Func<string, string?> _getEnvironmentVariable;
    private ClientConfig _config = ClientConfig.Default;
    private int _disposed;

    public AgwSession(Func<string, string?>? getEnvironmentVariable = null)
    {
        _getEnvironmentVariable = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        Id = Interlocked.Increment(ref s_nextId);
        Interlocked.Increment(ref s_liveCount);
    }

    /// <summary>How many sessions exist and are not yet disposed, in this process.</summary>
    public static int LiveCount => Volatile.Read(ref s_liveCount);

    /// <summary>A number unique in this process, for verbose output.</summary>
    public long Id { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The config in force. Reading it needs no lock: it is immutable and swapped whole.</summary>
    public ClientConfig Config => Volatile.Read(ref _config);

    /// <summary>Raised after the config changed, with the old and the new config.</summary>
    public event EventHandler<ClientConfigChangedEventArgs>? ConfigChanged;

    /// <summary>
    /// Applies a change to the config. The change validates the whole new config; if it throws,
    /// the old config stays in force.
    /// </summary>
    public ClientConfig UpdateConfig(Func<ClientConfig, ClientConfig> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ClientConfig previous, next;
        lock (_gate)
        {
            previous = _config;
            next = change(previous);
            Volatile.Write(ref _config, next);
        }

        if (!ReferenceEquals(previous, next))
        {
            ConfigChanged?.Invoke(this, new ClientConfigChangedEventArgs(previous, next));
        }

        return next;
    }

    /// <summary>Where credentials would come from under the current config; reads no secret.</summary>
    public CredentialSource LocateCredentials() =>
        CredentialSourceLocator.Locate(Config.CredentialPath, _getEnvironmentVariable);

    /// <summary>The current config with where credentials would come from, for display.</summary>
    public ClientConfigReport DescribeConfig() => ClientConfigReport.From(Config, LocateCredentials());

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Interlocked.Decrement(ref s_liveCount);
    }
}
