using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The MCP connections of a runspace: the client pool (made on first use, made anew when the timeout or the trusted
/// CAs change) with the client that lists and calls over it, and which MCP revision each endpoint speaks, learned
/// once in this runspace and kept across pools.
/// </summary>
internal sealed class McpConnections : IDisposable
{
    /// <summary>How long closing a runspace waits for its MCP sessions to end (DELETE) before letting them go.</summary>
    private static readonly TimeSpan s_closeWait = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Func<ClientConfig> _config;
    private readonly TimeProvider _timeProvider;
    private readonly McpNegotiation _negotiation = new();
    private McpClientPool? _pool;
    private McpGatewayClient? _client;
    private bool _disposed;

    private readonly Func<string, string?>? _getEnvironmentVariable;

    internal McpConnections(Func<ClientConfig> config, TimeProvider timeProvider, Func<string, string?>? getEnvironmentVariable = null)
    {
        _getEnvironmentVariable = getEnvironmentVariable;
        _config = config;
        _timeProvider = timeProvider;
    }

    /// <summary>The MCP revision negotiated with <paramref name="endpoint"/> in this runspace, or null before its first connection.</summary>
    public string? ProtocolVersionOf(Uri endpoint) => _negotiation.RevisionOf(endpoint);

    /// <summary>The client certificates of this runspace's MCP endpoints: a change makes a new pool on the next call.</summary>
    public EndpointCertificates ClientCertificates { get; } = new();

    /// <summary>The local (stdio) servers named in this runspace; their processes live in the pool, one per command line.</summary>
    public McpLocalServers LocalServers { get; } = new();

    /// <summary>The server of this command line in this runspace (the one named before, when there is one).</summary>
    public McpLocalServer AddLocalServer(McpLocalServer server) => LocalServers.Add(server);

    /// <summary>Whether the process of <paramref name="server"/> runs now (its client is pooled and open).</summary>
    public bool IsRunning(McpLocalServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Volatile.Read(ref _pool)?.IsOpen(server.Endpoint) ?? false;
    }

    /// <summary>Stops the process of <paramref name="server"/> (its client is closed) and forgets it; whether a process was running.</summary>
    public async Task<bool> StopLocalServerAsync(McpLocalServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var closed = Volatile.Read(ref _pool) is { } pool && await pool.CloseEndpointAsync(server.Endpoint).ConfigureAwait(false) > 0;
        LocalServers.Remove(server);
        return closed;
    }

    /// <summary>
    /// Whether <paramref name="endpoint"/> pushes back now (429s taken in, the limit of requests in flight below its
    /// ceiling) and that limit; (false, 0) before any request to it.
    /// </summary>
    public (bool Throttled, int InFlightLimit) ThrottleOf(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Volatile.Read(ref _pool) is { } pool && pool.HasLimit(endpoint, out var limit) ? (limit.IsThrottled, limit.Current) : (false, 0);
    }

    /// <summary>The limiter of requests in flight to <paramref name="endpoint"/> (per endpoint, learned from its push-back), for a batch to follow.</summary>
    public IConcurrencyLimit LimitOf(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Client();
        return Volatile.Read(ref _pool)!.LimitOf(endpoint);
    }

    /// <summary>Raised (on the SDK's thread) with the endpoint when a server says its tools changed (<c>notifications/tools/list_changed</c>).</summary>
    internal event Action<Uri>? ToolListChanged;

    /// <summary>How many MCP clients are pooled now.</summary>
    public int PooledClients => Volatile.Read(ref _pool)?.Count ?? 0;

    /// <summary>The client over the pool, made with it; a new pool and client when the timeout or the trusted CAs changed (the old pool is closed).</summary>
    internal McpGatewayClient Client()
    {
        var wanted = McpPoolOptions.From(_config(), _timeProvider, _getEnvironmentVariable) with { ClientCertificates = ClientCertificates.Current };
        McpClientPool? stale = null;
        McpGatewayClient client;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pool is null || _client is null || _pool.Options != wanted)
            {
                stale = _pool;
                _pool = new McpClientPool(wanted, _negotiation, LocalServers) { ToolListChanged = endpoint => ToolListChanged?.Invoke(endpoint) };
                _client = new McpGatewayClient(_pool);
            }

            client = _client;
        }

        if (stale is not null)
        {
            CallLog.Verbose($"MCP settings changed: closing the sessions made under the old ones.");
            CloseInBackground(stale);
        }

        return client;
    }

    /// <summary>Closes every pooled client (their MCP sessions end), so that the next call connects anew.</summary>
    public async Task ClearAsync()
    {
        var pool = Volatile.Read(ref _pool);
        if (pool is not null)
        {
            await pool.ClearAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the pool; a runspace's close is synchronous, so it waits a little for the DELETEs, then lets them finish alone.</summary>
    public void Dispose()
    {
        McpClientPool? pool;
        lock (_gate)
        {
            _disposed = true;
            pool = _pool;
            _pool = null;
            _client = null;
        }

        if (pool is not null)
        {
            CloseInBackground(pool).Wait(s_closeWait);
        }

        ClientCertificates.Dispose();
    }

    private static Task CloseInBackground(McpClientPool pool)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () =>
            {
                try
                {
                    await pool.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Ending sessions is a courtesy to the server; nothing waits on the outcome.
                }
            });
        }
    }
}
