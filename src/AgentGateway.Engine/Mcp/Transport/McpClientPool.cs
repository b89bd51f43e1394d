using System.Collections.Concurrent;
using System.Reflection;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.ServerRequests;
using ModelContextProtocol.Client;
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

    /// <summary>How often idle sessions are looked for: a quarter of the idle time, between 1 s and 1 min.</summary>
    private static TimeSpan SweepPeriod(TimeSpan idle) =>
        TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>The live pooled session of <paramref name="key"/>, marked in use; or a closed one taken out of the pool.</summary>
    private (McpPooledClient? Session, McpPooledClient? Closed) TryAcquire(PoolKey key)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(key, out var node))
            {
                return (null, null);
            }

            var session = node.Value;
            if (session.IsClosed)
            {
                RemoveLocked(session);
                return (null, session);
            }

            AcquireLocked(node);
            return (session, null);
        }
    }

    /// <summary>Marks a session a setup just made in use, if the pool still holds it.</summary>
    private bool TryAcquire(McpPooledClient session)
    {
        lock (_gate)
        {
            if (session.IsClosed || !_sessions.TryGetValue(session.Key, out var node) || !ReferenceEquals(node.Value, session))
            {
                return false;
            }

            AcquireLocked(node);
            return true;
        }
    }

    private void AcquireLocked(LinkedListNode<McpPooledClient> node)
    {
        node.Value.InUse++;
        node.Value.Fresh = false;
        node.Value.LastUsed = _time.GetTimestamp();
        _recency.Remove(node);
        _recency.AddFirst(node);
    }

    private void RemoveLocked(McpPooledClient session)
    {
        if (_sessions.TryGetValue(session.Key, out var node) && ReferenceEquals(node.Value, session))
        {
            _sessions.Remove(session.Key);
            _recency.Remove(node);
        }
    }

    /// <summary>
    /// While the pool holds more than the bound, closes the least recently used session with no call in flight.
    /// A session just set up and not yet taken by its callers is spared too. Sessions all in use may hold the
    /// pool above the bound until their calls end (then <see cref="Release"/> trims again).
    /// </summary>
    private void TrimLocked()
    {
        var node = _recency.Last;
        while (_sessions.Count > Options.MaxSessions && node is not null)
        {
            var previous = node.Previous;
            if (node.Value is { InUse: 0, Fresh: false })
            {
                var session = node.Value;
                _sessions.Remove(session.Key);
                _recency.Remove(node);
                CloseLocked(session, $"least recently used of more than {Options.MaxSessions} (MaxMcpSessionCount)");
            }

            node = previous;
        }
    }

    /// <summary>The idle sweep: closes every session with no call in flight that was last used more than the idle time ago.</summary>
    private void CloseIdle()
    {
        lock (_gate)
        {
            var node = _recency.Last;
            while (node is not null)
            {
                var previous = node.Previous;
                var session = node.Value;
                if (session.InUse == 0 && _time.GetElapsedTime(session.LastUsed) >= Options.IdleTimeout)
                {
                    _sessions.Remove(session.Key);
                    _recency.Remove(node);
                    CloseLocked(session, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"idle for {Options.IdleTimeout.TotalSeconds:0} s (McpSessionIdleSec)"));
                }
                else if (_time.GetElapsedTime(session.LastUsed) < Options.IdleTimeout)
                {
                    break; // the rest were used more recently
                }

                node = previous;
            }
        }
    }

    /// <summary>Ends a session taken out of the pool, in the background (HTTP DELETE); disposal waits for it.</summary>
    private void CloseLocked(McpPooledClient session, string why)
    {
        CallLog.Verbose($"MCP session to {session.Endpoint} closed: {why}.");
        Task closing;
        using (ExecutionContext.SuppressFlow())
        {
            closing = Task.Run(async () => await session.DisposeAsync().ConfigureAwait(false));
        }

        _closing.RemoveAll(t => t.IsCompleted);
        _closing.Add(closing);
    }

    /// <summary>One setup (run once per key by <see cref="SingleFlight{TKey, TValue}"/>): connect, then pool the session.</summary>
    private async Task<McpPooledClient> SetUpAsync(Uri endpoint, McpAuth auth, PoolKey key, CancellationToken cancellationToken)
    {
        int generation;
        lock (_gate)
        {
            generation = _generation;
        }

        var session = await ConnectAsync(endpoint, auth, key, cancellationToken).ConfigureAwait(false);

        var pooled = false;
        lock (_gate)
        {
            if (generation == _generation && Volatile.Read(ref _disposed) == 0)
            {
                if (_sessions.Remove(key, out var replaced))
                {
                    _recency.Remove(replaced);
                    CloseLocked(replaced.Value, "replaced by a new session");
                }

                session.LastUsed = _time.GetTimestamp();
                _sessions[key] = _recency.AddFirst(session);
                pooled = true;
                TrimLocked();
            }
        }

        if (!pooled)
        {
            // The pool was cleared or disposed meanwhile: this session belongs to the time before.
            await session.DisposeAsync().ConfigureAwait(false);
        }

        return session;
    }

    private async Task<McpPooledClient> ConnectAsync(Uri endpoint, McpAuth auth, PoolKey key, CancellationToken cancellationToken)
    {
        // What the server asks or logs during a call reaches that call (see McpServerRequests); elicitation is declared, nothing else.
        var requests = new McpServerRequests(endpoint) { AnswerTimeout = Options.AnswerTimeout };
        McpClientOptions NewOptions(string? revision) => new()
        {
            ClientInfo = s_clientInfo,
            ProtocolVersion = revision,
            InitializationTimeout = Options.Timeout,
            Capabilities = McpServerRequests.Capabilities(),
            Handlers = requests.Handlers(),
        };

        // A local server is one process per connection: one initialize, no probe for a newer revision (a probe would start a second process).
        var client = McpLocalServer.IsLocal(endpoint)
            ? await McpClient.CreateAsync(NewTransport(endpoint, auth, firstContact: false), NewOptions(null), loggerFactory: null, cancellationToken).ConfigureAwait(false)
            : await _negotiation.ConnectAsync(endpoint, firstContact => NewTransport(endpoint, auth, firstContact), NewOptions, cancellationToken).ConfigureAwait(false);
        if (McpLocalServer.IsLocal(endpoint))
        {
            // Kept as an HTTP server's is, so whatever shows a server's revision shows a local one's.
            _negotiation.Remember(endpoint, client.NegotiatedProtocolVersion ?? McpNegotiation.NewestInitializeRevision);
        }


        // A server that says its tools changed (on a stream this client reads anyway): whoever keeps listings drops its.
        client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            ToolListChanged?.Invoke(endpoint);
            return default;
        });
        var session = new McpPooledClient(key, endpoint, client, requests);
        CallLog.Verbose($"MCP session to {endpoint} created for {auth.DescribeFor(endpoint)} ({session.Describe()}).");
        return session;
    }

    private IClientTransport NewTransport(Uri endpoint, McpAuth auth, bool firstContact)
    {
        if (McpLocalServer.IsLocal(endpoint))
        {
            // A local server: its own process over stdio; no HTTP, no handler chain, no token.
            return (LocalServers?.Find(endpoint) ?? throw McpGatewayException.Connection($"No local MCP server is known as '{endpoint}' in this runspace.", endpoint))
                .NewTransport(Options.Timeout < TimeSpan.FromSeconds(5) ? Options.Timeout : TimeSpan.FromSeconds(5), Options.MaxResponseSize);
        }

        // Below the auth handler, the guard: every answer read is bounded and checked (each attempt's, a resend's too). An
        // endpoint with a client certificate of its own gets a handler (and connections) of its own: no other endpoint
        // shares a connection that presented it.
        var certificate = Options.ClientCertificates.Match(endpoint);
        var socket = certificate is null ? _primaryHandler.Value : _certificateHandlers.GetOrAdd(certificate, NewCertificateHandler).Value;
        var answers = new McpClientCertificateAnswerHandler(CertificateLog, certificate?.Prefix.AbsoluteUri) { InnerHandler = socket };
        var guard = new McpResponseGuard(Options.MaxResponseSize) { InnerHandler = answers };
        var quota = new McpQuotaHandler(LimitOf(endpoint), Options.QuotaAttempts, Options.QuotaRetryDelay, Options.MaxRetryAfter, Options.TimeProvider);
        HttpMessageHandler handler = McpHandlerChain.Create(auth, Options.TransientRetries, Options.TransientRetryDelay, guard, quota);
        if (firstContact)
        {
            handler = new DiscoveryCheckHandler { InnerHandler = handler };
        }

        var httpClient = new HttpClient(handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        return new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
                OwnsSession = true,
                Name = endpoint.AbsoluteUri,
            },
            httpClient,
            loggerFactory: null,
            ownsHttpClient: true);
    }

    /// <summary>The limiter of requests in flight to <paramref name="endpoint"/> (one per endpoint, shared by every client of it in this pool).</summary>
    public AdaptiveConcurrencyLimit LimitOf(Uri endpoint) =>
        _limits.GetOrAdd(endpoint.GetLeftPart(UriPartial.Path), _ => new AdaptiveConcurrencyLimit(Options.MaxRequestsPerEndpoint, Options.TimeProvider));

    /// <summary>The limiter of <paramref name="endpoint"/> if a request went there.</summary>
    internal bool HasLimit(Uri endpoint, out AdaptiveConcurrencyLimit limit) => _limits.TryGetValue(endpoint.GetLeftPart(UriPartial.Path), out limit!);

    private readonly ConcurrentDictionary<string, AdaptiveConcurrencyLimit> _limits = new(StringComparer.Ordinal);

    private HttpMessageHandler CreatePrimaryHandler()
    {
        if (Options.PrimaryHandlerFactory is { } factory)
        {
            return factory();
        }

        // No certificate to give: a server that asks for one is noted (McpClientCertificateLog), so its refusal can be named.
        return TlsTrust.CreateStack(
            Options.Proxy, Options.GetEnvironmentVariable, TrustedRoots(), null, null, TlsFailures, h => h.SslOptions.LocalCertificateSelectionCallback = (_, host, _, remote, _) => CertificateLog.SelectNone(host, remote));
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TrustedRoots()
    {
        try
        {
            return Options.TrustedCaPath is { } path ? TrustedCaFile.Load(path) : null;
        }
        catch (ClientConfigException e)
        {
            throw McpGatewayException.Configuration(e.Message, e);
        }
    }


    // A class, not a struct: the pool's dictionaries then run the framework's shared (precompiled) code for reference keys
    // instead of JIT-compiling a copy of Dictionary and ConcurrentDictionary for this key on a first call.
    internal sealed record PoolKey(string Endpoint, string Identity, object? TokenSource);
}
