using System.Reflection;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.Negotiation;
using ModelContextProtocol.Protocol;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Initialized MCP clients, one per (endpoint, token identity), reused across calls, at most
/// <see cref="McpPoolOptions.MaxSessions"/> of them: when a new one would exceed the bound, the least
/// recently used session with no call in flight is closed (HTTP DELETE). A session idle for
/// <see cref="McpPoolOptions.IdleTimeout"/> is closed in the background. Concurrent first calls to one key
/// share one setup (<see cref="SingleFlight{TKey, TValue}"/>): it is bounded by the pool's timeout, not by
/// any caller, and a setup that fails is gone from the pool before anyone sees the failure, so the next
/// call starts a fresh one. Disposing or clearing the pool closes its sessions.
/// </summary>
internal sealed partial class McpClientPool : IAsyncDisposable
{
    private static readonly Implementation s_clientInfo = new()
    {
        Name = "AgentGateway",
        Version = typeof(McpClientPool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(McpClientPool).Assembly.GetName().Version?.ToString()
            ?? "0.0.0",
    };

    /// <summary>
    /// A session set up for a caller but closed or pushed out before that caller got to it (a clear, the bound): another
    /// is set up, at most twice more.
    /// </summary>
    private static readonly ResiliencePipeline<McpPooledClient?> s_acquire = new ResiliencePipelineBuilder<McpPooledClient?>()
        .AddRetry(new RetryStrategyOptions<McpPooledClient?>
        {
            Name = "mcp-pool-acquire",
            MaxRetryAttempts = 2,
            Delay = TimeSpan.Zero,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            ShouldHandle = static args => new ValueTask<bool>(args.Outcome is { Exception: null, Result: null }),
        })
        .Build();

    private readonly Lock _gate = new();
    private readonly Dictionary<PoolKey, LinkedListNode<McpPooledClient>> _sessions = [];
    private readonly LinkedList<McpPooledClient> _recency = new(); // most recently used first
    private readonly SingleFlight<PoolKey, McpPooledClient> _setups;
    private readonly McpNegotiation _negotiation;
    private readonly Lazy<HttpMessageHandler> _primaryHandler;
    private readonly TimeProvider _time;
    private readonly ITimer _idleSweep;
    private readonly List<Task> _closing = [];
    private int _generation;
    private int _disposed;

    /// <param name="options">The pool's settings.</param>
    /// <param name="negotiation">Which revision each endpoint speaks; pass the runspace's, so a new pool (new settings) keeps what was learned.</param>
    /// <param name="localServers">The runspace's local (stdio) servers: a <c>stdio://</c> endpoint starts the process of one of them.</param>
    public McpClientPool(McpPoolOptions? options = null, McpNegotiation? negotiation = null, McpLocalServers? localServers = null)
    {
        LocalServers = localServers;
        Options = options ?? new McpPoolOptions();
        _negotiation = negotiation ?? new McpNegotiation();
        if (Options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Timeout must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxSessions, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.IdleTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxResponseSize, 1, nameof(options));
        _time = Options.TimeProvider ?? TimeProvider.System;

        // The setup keeps the first caller's context, so its story (token fetched, session created) is told
        // in that caller's verbose output; it is bounded by the pool's timeout, not by that caller.
        _setups = new SingleFlight<PoolKey, McpPooledClient>(flowExecutionContext: true, timeProvider: _time);
        _primaryHandler = new Lazy<HttpMessageHandler>(CreatePrimaryHandler, LazyThreadSafetyMode.ExecutionAndPublication);
        var period = SweepPeriod(Options.IdleTimeout);
        using (ExecutionContext.SuppressFlow())
        {
            _idleSweep = _time.CreateTimer(static state => ((McpClientPool)state!).CloseIdle(), this, period, period);
        }
    }

    public McpPoolOptions Options { get; }

    /// <summary>Called with the endpoint when a server sends <c>notifications/tools/list_changed</c> to one of this pool's clients.</summary>
    internal Action<Uri>? ToolListChanged { get; set; }

    /// <summary>Which revision each endpoint speaks (the runspace's, shared across its pools).</summary>
    internal McpNegotiation Negotiation => _negotiation;

    /// <summary>Why this pool's connections refused a server certificate, per host (for the error of the call that failed).</summary>
    internal TlsFailureLog TlsFailures { get; } = new();

    /// <summary>The client name and version sent in initialize.</summary>
    public static Implementation ClientInfo => s_clientInfo;

    /// <summary>How many sessions the pool holds, including ones still being set up.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count + _setups.Count;
            }
        }
    }

    /// <summary>The runspace's local (stdio) servers, when it has any.</summary>
    internal McpLocalServers? LocalServers { get; }

    /// <summary>Closes the pooled clients of <paramref name="endpoint"/> (for a local server: its process ends); returns how many.</summary>
    internal async Task<int> CloseEndpointAsync(Uri endpoint)
    {
        List<McpPooledClient> closing;
        lock (_gate)
        {
            closing = [.. _sessions.Values.Select(n => n.Value).Where(s => s.Endpoint == endpoint)];
        }

        foreach (var session in closing)
        {
            await DropAsync(session).ConfigureAwait(false);
        }

        return closing.Count;
    }

    /// <summary>Whether a client of <paramref name="endpoint"/> is pooled and open (for a local server: its process runs).</summary>
    internal bool IsOpen(Uri endpoint)
    {
        lock (_gate)
        {
            return _sessions.Values.Any(n => n.Value.Endpoint == endpoint && !n.Value.IsClosed);
        }
    }

    /// <summary>
    /// The pooled session for <paramref name="endpoint"/> and the identity <paramref name="auth"/> gives it,
    /// setting one up if there is none, marked in use until <see cref="Release"/>. <paramref name="cancellationToken"/>
    /// stops the wait, not a shared setup (which is bounded by <see cref="McpPoolOptions.Timeout"/>).
    /// </summary>
    internal async Task<McpPooledClient> GetAsync(Uri endpoint, McpAuth auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(auth);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        auth.EnsureSafeFor(endpoint);

        var key = new PoolKey(endpoint.AbsoluteUri, auth.IdentityFor(endpoint), auth.ModeFor(endpoint) == McpAuthMode.GatewayToken ? auth.TokenSource : null);
        var session = await s_acquire.ExecuteAsync(
            async token =>
            {
                var (pooled, closed) = TryAcquire(key);
                if (pooled is not null)
                {
                    CallLog.Verbose($"MCP session to {endpoint} reused ({pooled.Describe()}).");
                    return pooled;
                }

                if (closed is not null)
                {
                    CallLog.Verbose($"MCP session to {endpoint} had closed; starting a new one.");
                    await closed.DisposeAsync().ConfigureAwait(false);
                }

                var setup = _setups.Run(key, (k, ct) => SetUpAsync(endpoint, auth, k, ct), Options.Timeout, out _);
                var made = await setup.WaitAsync(token).ConfigureAwait(false);
                return TryAcquire(made) ? made : null;
            },
            cancellationToken).ConfigureAwait(false);
        return session
            ?? throw McpGatewayException.Connection($"The MCP session to '{endpoint.GetLeftPart(UriPartial.Path)}' was closed as soon as it was set up, three times; too many sessions are in use at once (MaxMcpSessionCount is {Options.MaxSessions}).", endpoint);
    }

    /// <summary>Ends a call's use of <paramref name="session"/>; the pool may close it from now on.</summary>
    internal void Release(McpPooledClient session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            session.InUse--;
            session.LastUsed = _time.GetTimestamp();
            if (session is { Dropped: true, InUse: 0 })
            {
                CloseLocked(session, "the server no longer knows it, and its last call has ended");
            }

            TrimLocked();
        }
    }

    /// <summary>
    /// Removes <paramref name="session"/> from the pool (if it is still the pooled one) and disposes it; while other
    /// calls still use it (concurrent calls whose requests went out before the server forgot the session, and may
    /// yet be answered), the last of them to let go closes it instead.
    /// </summary>
    internal async ValueTask DropAsync(McpPooledClient session)
    {
        ArgumentNullException.ThrowIfNull(session);
        bool closeNow;
        lock (_gate)
        {
            RemoveLocked(session);
            closeNow = session.InUse <= 1;
            session.Dropped = !closeNow;
        }

        if (closeNow)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes every pooled client (ending its session); the pool stays usable.</summary>
    public async ValueTask ClearAsync()
    {
        List<McpPooledClient> closing;
        lock (_gate)
        {
            // A setup in flight now finds another generation when it ends: its session is closed, not pooled.
            _generation++;
            closing = [.. _recency];
            _sessions.Clear();
            _recency.Clear();
        }

        await Task.WhenAll(closing.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (closing.Count > 0)
        {
            CallLog.Verbose($"Closed {closing.Count} MCP session(s).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _idleSweep.DisposeAsync().ConfigureAwait(false);
        _setups.Dispose();
        await ClearAsync().ConfigureAwait(false);
        Task[] closing;
        lock (_gate)
        {
            closing = [.. _closing];
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
        if (_primaryHandler.IsValueCreated)
        {
            _primaryHandler.Value.Dispose();
        }

        foreach (var handler in _certificateHandlers.Values.Where(h => h.IsValueCreated))
        {
            handler.Value.Dispose();
        }
    }

    // A class, not a struct: the pool's dictionaries then run the framework's shared (precompiled) code for reference keys
    // instead of JIT-compiling a copy of Dictionary and ConcurrentDictionary for this key on a first call.
    internal sealed record PoolKey(string Endpoint, string Identity, object? TokenSource);
}
