using System.Collections.Concurrent;
using AgentGateway.Engine.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Negotiation;

/// <summary>
/// Which MCP revision each endpoint speaks: found out once per endpoint (per runspace), then remembered, so a
/// later connection costs what that revision needs and nothing more.
/// <list type="bullet">
/// <item>First connection: the SDK's own modern-first path. It asks <c>server/discover</c> for 2026-07-28; a server
/// that confirms is used without <c>initialize</c> and without a session (one request). Where the SDK would not
/// fall back by itself (HTTP 405, an empty, malformed or 2026-07-28-less result), <see cref="DiscoveryCheckHandler"/>
/// turns the answer into the 404 it falls back on; the SDK then sends <c>initialize</c> on the same connection,
/// taking any older revision the server answers with (at most one extra request, once). A 2026-07-28-only server
/// (one that refuses <c>initialize</c>) is never asked to initialize.</item>
/// <item>Later connections: <c>initialize</c> pinned to the remembered revision; for 2026-07-28, no request at all
/// (the client resumes from the remembered discovery, as the revision has no session to set up).</item>
/// </list>
/// </summary>
internal sealed class McpNegotiation
{
    /// <summary>The newest revision offered in <c>initialize</c> (the newest that has the handshake).</summary>
    public const string NewestInitializeRevision = "2025-11-25";

    /// <summary>The session-less revision (no <c>initialize</c>, no <c>Mcp-Session-Id</c>, capabilities per request).</summary>
    public const string SessionlessRevision = "2026-07-28";

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    /// <summary>The revision remembered for <paramref name="endpoint"/>, or null before its first connection.</summary>
    public string? RevisionOf(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _known.TryGetValue(endpoint.AbsoluteUri, out var known) ? known.Revision : null;
    }

    /// <summary>
    /// Records the revision <paramref name="endpoint"/> answered <c>initialize</c> with, when the connection did not go
    /// through <see cref="ConnectAsync"/> (a local server: one process, one initialize, no probe).
    /// </summary>
    public void Remember(Uri endpoint, string revision)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(revision);
        _known[endpoint.AbsoluteUri] = new Known(revision, null);
    }

    /// <summary>Forgets <paramref name="endpoint"/> (it refused the revision learned: the next connection negotiates again).</summary>
    public void Forget(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _known.TryRemove(endpoint.AbsoluteUri, out _);
    }

    /// <summary>Forgets every endpoint (the next connection to each negotiates again).</summary>
    public void Clear() => _known.Clear();

    /// <summary>
    /// A connected client for <paramref name="endpoint"/>. <paramref name="newTransport"/> makes a transport
    /// (true: for a first contact, whose <c>server/discover</c> answer is checked, see <see cref="DiscoveryCheckHandler"/>);
    /// <paramref name="newOptions"/> makes the client options for a requested revision (null: the SDK's choice, modern first).
    /// </summary>
    internal async Task<McpClient> ConnectAsync(
        Uri endpoint,
        Func<bool, IClientTransport> newTransport,
        Func<string?, McpClientOptions> newOptions,
        CancellationToken cancellationToken)
    {
        var key = endpoint.AbsoluteUri;
        if (_known.TryGetValue(key, out var known))
        {
            if (known.Resume is { } resume)
            {
                CallLog.Verbose($"MCP server at {endpoint} speaks {known.Revision} (negotiated earlier in this session): no handshake.");
                return await ResumeAsync(newTransport(false), resume, newOptions(known.Revision), cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await CreateAsync(newTransport(false), newOptions(known.Revision), cancellationToken).ConfigureAwait(false);
            }
            catch (ModelContextProtocol.McpException e) when (e is not ModelContextProtocol.McpProtocolException && e.Message.Contains("protocol version", StringComparison.OrdinalIgnoreCase))
            {
                // The server moved to another revision since: find it out again.
                CallLog.Verbose($"MCP server at {endpoint} no longer speaks {known.Revision}; negotiating again.");
                _known.TryRemove(new KeyValuePair<string, Known>(key, known));
            }
        }

        // Modern first (the SDK's path): server/discover, falling back to initialize with any revision the server answers.
        var client = await CreateAsync(newTransport(true), newOptions(null), cancellationToken).ConfigureAwait(false);
        var revision = client.NegotiatedProtocolVersion ?? NewestInitializeRevision;
        if (!string.Equals(revision, SessionlessRevision, StringComparison.Ordinal))
        {
            CallLog.Verbose($"MCP server at {endpoint} answered initialize with {revision}: using that revision.");
            _known[key] = new Known(revision, null);
            return client;
        }

        CallLog.Verbose($"MCP server at {endpoint} confirmed {SessionlessRevision} (server/discover): no initialize, no session.");
        _known[key] = new Known(SessionlessRevision, new ResumeClientSessionOptions
        {
            ServerCapabilities = client.ServerCapabilities,
            ServerInfo = ServerInfoOf(client) ?? new Implementation { Name = endpoint.Host, Version = "0" },
            ServerInstructions = client.ServerInstructions,
            NegotiatedProtocolVersion = SessionlessRevision,
        });
        return client;
    }

    private static async Task<McpClient> CreateAsync(IClientTransport transport, McpClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await McpClient.CreateAsync(transport, options, loggerFactory: null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeTransportAsync(transport).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<McpClient> ResumeAsync(IClientTransport transport, ResumeClientSessionOptions resume, McpClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await McpClient.ResumeSessionAsync(transport, resume, options, loggerFactory: null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeTransportAsync(transport).ConfigureAwait(false);
            throw;
        }
    }

    private static ValueTask DisposeTransportAsync(IClientTransport transport) =>
        transport is IAsyncDisposable disposable ? disposable.DisposeAsync() : default;

    /// <summary>serverInfo, when the server named itself (it is optional from 2026-07-28 on; the SDK throws when absent).</summary>
    internal static Implementation? ServerInfoOf(McpClient client)
    {
        try
        {
            return client.ServerInfo;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private sealed record Known(string Revision, ResumeClientSessionOptions? Resume);
}
