using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The engine state of one runspace: its config and, built on it, the token provider and the
/// MCP session pool. Every cmdlet of a runspace shares one; another runspace has its own.
/// Disposing it releases what it holds.
/// </summary>
public sealed partial class RunspaceState : IDisposable
{
    private static int s_liveCount;
    private static long s_nextId;

    private readonly Lock _gate = new();
    private readonly Func<string, string?> _getEnvironmentVariable;
    private readonly TimeProvider _timeProvider;
    private readonly TokenClientOptions? _tokenClientOptions;
    private ClientConfig _config = ClientConfig.Default;
    private TokenProvider? _tokenProvider;
    private int _disposed;

    /// <param name="getEnvironmentVariable">Reads the environment; tests pass their own.</param>
    /// <param name="timeProvider">The clock of token expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="tokenClientOptions">Retry behaviour of token requests; the defaults when null.</param>
    public RunspaceState(Func<string, string?>? getEnvironmentVariable = null, TimeProvider? timeProvider = null, TokenClientOptions? tokenClientOptions = null)
    {
        _getEnvironmentVariable = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _tokenClientOptions = tokenClientOptions;
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
    /// the old config stays in force. A new credential path or trusted CA path, or
    /// <paramref name="reloadCredentials"/> (the path was given again, say after a certificate was
    /// rotated), drops the token provider: the next use loads the credentials anew.
    /// </summary>
    public ClientConfig UpdateConfig(Func<ClientConfig, ClientConfig> change, bool reloadCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(change);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ClientConfig previous, next;
        TokenProvider? stale = null;
        lock (_gate)
        {
            previous = _config;
            next = change(previous);
            Volatile.Write(ref _config, next);
            if (_tokenProvider is not null)
            {
                if (reloadCredentials ||
                    !string.Equals(previous.CredentialPath, next.CredentialPath, StringComparison.Ordinal) ||
                    !string.Equals(previous.TrustedCaPath, next.TrustedCaPath, StringComparison.Ordinal))
                {
                    // Another identity or another trust: the next use resolves again; the old
                    // provider's tokens and connections go with it.
                    stale = _tokenProvider;
                    _tokenProvider = null;
                }
                else
                {
                    _tokenProvider.ApplyConfig(next);
                }
            }
        }

        stale?.Dispose();

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
    public ClientConfigReport DescribeConfig()
    {
        var report = ClientConfigReport.From(Config, LocateCredentials());
        if (report.CredentialSource == CredentialSourceKind.None)
        {
            return report;
        }

        try
        {
            return report.WithCredentials(DescribeCredentials(), _timeProvider.GetUtcNow());
        }
        catch (CredentialException e)
        {
            return report with { CredentialError = e.Message };
        }
    }

    /// <summary>The token provider if one was made already; never loads credentials (for inspection).</summary>
    public TokenProvider? PeekTokenProvider()
    {
        lock (_gate)
        {
            return _tokenProvider;
        }
    }

    /// <summary>
    /// The token provider of this session: on first use the credentials are located and loaded
    /// (a <see cref="CredentialException"/> when none are found or they are invalid; nothing is
    /// kept then, so the next call looks again) and the provider is kept until the credential
    /// path or the trusted CA path changes, <see cref="ResetTokenProvider"/> or disposal.
    /// </summary>
    public TokenProvider GetTokenProvider()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        lock (_gate)
        {
            if (_tokenProvider is not null)
            {
                return _tokenProvider;
            }

            var config = _config;
            var source = CredentialSourceLocator.Locate(config.CredentialPath, _getEnvironmentVariable);
            var credentials = CredentialLoader.Load(source, _getEnvironmentVariable, _timeProvider);
            try
            {
                _tokenProvider = new TokenProvider(credentials, config, _timeProvider, _tokenClientOptions);
            }
            catch
            {
                credentials.Dispose();
                throw;
            }

            Diagnostics.CallLog.Verbose($"Credentials loaded from {source.Kind} {source.Location}: client {credentials.ClientId}, {credentials.Mode} mode, token service {credentials.TokenServiceUrl}.");
            return _tokenProvider;
        }
    }

    /// <summary>
    /// The token provider, or null when no source has credentials. Credentials loaded already are used until
    /// the config changes (as <see cref="GetTokenProvider"/> does): only before that are the sources scanned.
    /// A <see cref="CredentialException"/> when the credentials found are invalid.
    /// </summary>
    private TokenProvider? TryGetTokenProvider() =>
        PeekTokenProvider() ?? (LocateCredentials().Kind == CredentialSourceKind.None ? null : GetTokenProvider());

    /// <summary>The resolved credentials for display (client id, URLs, mode, dependencies, certificate thumbprint; never the key).</summary>
    public CredentialsReport DescribeCredentials() => GetTokenProvider().Credentials.Describe();

    /// <summary>Drops the token provider (its tokens and connections); the next use loads the credentials again.</summary>
    public void ResetTokenProvider()
    {
        TokenProvider? stale;
        lock (_gate)
        {
            stale = _tokenProvider;
            _tokenProvider = null;
        }

        stale?.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ResetTokenProvider();
        CloseMcpSessions();

        Interlocked.Decrement(ref s_liveCount);
    }
}
