using System.Collections.Concurrent;
using System.Reflection;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// Initialized MCP clients, one per (endpoint, token identity), reused across calls. Concurrent first
/// calls to one key share one initialize (single flight); a failed initialize is not kept. Disposing or
/// clearing the pool disposes its clients, which ends their sessions (HTTP DELETE).
/// </summary>
public sealed class McpSessionPool : IAsyncDisposable
{
    private static readonly Implementation s_clientInfo = new()
    {
        Name = "AgentGateway",
        Version = typeof(McpSessionPool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(McpSessionPool).Assembly.GetName().Version?.ToString()
            ?? "0.0.0",
    };

    private readonly ConcurrentDictionary<PoolKey, Lazy<Task<McpPooledSession>>> _entries = new();
    private readonly ConcurrentDictionary<string, string> _negotiatedVersions = new(StringComparer.Ordinal);
    private readonly Lazy<HttpMessageHandler> _primaryHandler;
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    public McpSessionPool(McpPoolOptions? options = null)
    {
        Options = options ?? new McpPoolOptions();
        if (Options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Timeout must be positive.");
        }

        _primaryHandler = new Lazy<HttpMessageHandler>(CreatePrimaryHandler, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public McpPoolOptions Options { get; }

    /// <summary>The client name and version sent in initialize.</summary>
    public static Implementation ClientInfo => s_clientInfo;

    /// <summary>How many sessions the pool holds (including ones still initializing).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The pooled session for <paramref name="endpoint"/> and the identity <paramref name="auth"/> gives it,
    /// initializing one if there is none. <paramref name="cancellationToken"/> stops the wait, not a
    /// shared initialize (which is bounded by <see cref="McpPoolOptions.Timeout"/>).
    /// </summary>
    internal async Task<McpPooledSession> GetAsync(Uri endpoint, McpAuth auth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(auth);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        auth.EnsureSafeFor(endpoint);

        var key = new PoolKey(endpoint.AbsoluteUri, auth.IdentityFor(endpoint), auth.ModeFor(endpoint) == McpAuthMode.GatewayToken ? auth.TokenSource : null);
        for (var attempt = 0; ; attempt++)
        {
            var created = false;
            var lazy = _entries.GetOrAdd(key, k =>
            {
                created = true;
                return new Lazy<Task<McpPooledSession>>(() => CreateAsync(endpoint, auth, k), LazyThreadSafetyMode.ExecutionAndPublication);
            });

            McpPooledSession session;
            try
            {
                session = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
            {
                _entries.TryRemove(new KeyValuePair<PoolKey, Lazy<Task<McpPooledSession>>>(key, lazy));
                throw;
            }

            if (session.IsClosed && attempt == 0)
            {
                CallLog.Verbose($"MCP session to {endpoint} had closed; starting a new one.");
                await DropAsync(session).ConfigureAwait(false);
                continue;
            }

            if (!created)
            {
                CallLog.Verbose($"MCP session to {endpoint} reused ({session.Describe()}).");
            }

            return session;
        }
    }

    /// <summary>Removes <paramref name="session"/> from the pool (if it is still the pooled one) and disposes it.</summary>
    internal async ValueTask DropAsync(McpPooledSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_entries.TryGetValue(session.Key, out var lazy)
            && lazy.IsValueCreated
            && lazy.Value.IsCompletedSuccessfully
            && ReferenceEquals(lazy.Value.Result, session))
        {
            _entries.TryRemove(new KeyValuePair<PoolKey, Lazy<Task<McpPooledSession>>>(session.Key, lazy));
        }

        await session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Disposes every pooled client (ending its session); the pool stays usable.</summary>
    public async ValueTask ClearAsync()
    {
        var lazies = new List<Lazy<Task<McpPooledSession>>>();
        foreach (var key in _entries.Keys)
        {
            if (_entries.TryRemove(key, out var lazy))
            {
                lazies.Add(lazy);
            }
        }

        var disposals = new List<Task>();
        foreach (var lazy in lazies)
        {
            if (lazy.IsValueCreated)
            {
                disposals.Add(DisposeWhenReadyAsync(lazy.Value));
            }
        }

        await Task.WhenAll(disposals).ConfigureAwait(false);
        if (disposals.Count > 0)
        {
            CallLog.Verbose($"Closed {disposals.Count} MCP session(s).");
        }

        static async Task DisposeWhenReadyAsync(Task<McpPooledSession> task)
        {
            try
            {
                var session = await task.ConfigureAwait(false);
                await session.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A session that never initialized has nothing to end.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        await ClearAsync().ConfigureAwait(false);
        if (_primaryHandler.IsValueCreated)
        {
            _primaryHandler.Value.Dispose();
        }

        _disposing.Dispose();
    }

    private async Task<McpPooledSession> CreateAsync(Uri endpoint, McpAuth auth, PoolKey key)
    {
        // The initialize is shared by every waiter: it is bounded by the pool's timeout and its disposal,
        // not by the first caller's cancellation.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
        cts.CancelAfter(Options.Timeout);

        var pinned = _negotiatedVersions.TryGetValue(key.Endpoint, out var known) ? known : Options.PreferredProtocolVersion;
        try
        {
            return await ConnectAsync(endpoint, auth, key, pinned, cts.Token).ConfigureAwait(false);
        }
        catch (ModelContextProtocol.McpException e) when (e is not ModelContextProtocol.McpProtocolException && IsVersionRefusal(e))
        {
            CallLog.Verbose($"MCP server at {endpoint} does not speak protocol {pinned}; negotiating.");
            return await ConnectAsync(endpoint, auth, key, null, cts.Token).ConfigureAwait(false);
        }
    }

    private async Task<McpPooledSession> ConnectAsync(Uri endpoint, McpAuth auth, PoolKey key, string? protocolVersion, CancellationToken cancellationToken)
    {
        var handler = new McpAuthHandler(auth, Options.TransientRetries, Options.TransientRetryDelay) { InnerHandler = _primaryHandler.Value };
        var httpClient = new HttpClient(handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var transport = new HttpClientTransport(
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

        var clientOptions = new McpClientOptions
        {
            ClientInfo = s_clientInfo,
            ProtocolVersion = protocolVersion,
            InitializationTimeout = Options.Timeout,
        };

        McpClient client;
        try
        {
            client = await McpClient.CreateAsync(transport, clientOptions, loggerFactory: null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (client.NegotiatedProtocolVersion is { } negotiated)
        {
            _negotiatedVersions[key.Endpoint] = negotiated;
        }

        var session = new McpPooledSession(key, endpoint, client);
        CallLog.Verbose($"MCP session to {endpoint} created for {auth.DescribeFor(endpoint)} ({session.Describe()}).");
        return session;
    }

    private static bool IsVersionRefusal(ModelContextProtocol.McpException e) =>
        e.Message.Contains("protocol version", StringComparison.OrdinalIgnoreCase);

    private HttpMessageHandler CreatePrimaryHandler()
    {
        if (Options.PrimaryHandlerFactory is { } factory)
        {
            return factory();
        }

        try
        {
            var roots = Options.TrustedCaPath is { } path ? TlsTrust.LoadTrustedRoots(path) : null;
            return TlsTrust.CreateHandler(roots);
        }
        catch (ClientConfigException e)
        {
            throw new McpConfigurationException(e.Message + " Fix it with Set-AgwClientConfig -TrustedCaPath.", e);
        }
    }

    internal readonly record struct PoolKey(string Endpoint, string Identity, object? TokenSource);
}

/// <summary>One initialized MCP client in the pool.</summary>
internal sealed class McpPooledSession : IAsyncDisposable
{
    private int _disposed;

    public McpPooledSession(McpSessionPool.PoolKey key, Uri endpoint, McpClient client)
    {
        Key = key;
        Endpoint = endpoint;
        Client = client;
        ServerName = client.ServerInfo?.Name ?? endpoint.Host;
    }

    public McpSessionPool.PoolKey Key { get; }

    public Uri Endpoint { get; }

    public McpClient Client { get; }

    /// <summary>serverInfo.name from initialize.</summary>
    public string ServerName { get; }

    /// <summary>Whether the client's transport has ended (for example the server expired the session).</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) != 0 || Client.Completion.IsCompleted;

    public string Describe() =>
        $"server '{ServerName}', protocol {Client.NegotiatedProtocolVersion ?? "?"}{(Client.SessionId is null ? string.Empty : ", session " + Client.SessionId)}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or McpGatewayException)
        {
            // Ending a session the server already forgot is not worth an error.
        }
    }
}
