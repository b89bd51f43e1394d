using System.Collections.Concurrent;
using AgentGateway.Engine.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Negotiation;

/// <summary>
/// Which MCP revision each endpoint speaks: found out once per endpoint (per runspace), then remembered, so a
/// later connection costs what that revision needs and nothing more.
/// <list type="bullet">
/// <item>First connection: <c>initialize</c>, offering 2025-11-25 and taking any older revision the SDK speaks
/// (2025-06-18, 2025-03-26, 2024-11-05) at once. A server that answers 2025-11-25 may speak 2026-07-28 too: one
/// <c>server/discover</c> tells. When it confirms, the session-less revision is used and the initialize session
/// is closed (DELETE); when it answers anything else (an error status, a JSON-RPC error, an empty or malformed
/// result, nothing in time) the initialized session is kept. Never an error for the user; at most one extra round
/// trip, once per endpoint.</item>
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

    /// <summary>Forgets every endpoint (the next connection to each negotiates again).</summary>
    public void Clear() => _known.Clear();

    /// <summary>
    /// A connected client for <paramref name="endpoint"/>. <paramref name="newTransport"/> makes a transport
    /// (true: one whose <c>server/discover</c> probe is answered locally, see <see cref="InitializeFirstHandler"/>);
    /// <paramref name="newOptions"/> makes the client options for a requested revision (null: the SDK's choice).
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

        // initialize first (the SDK accepts any revision it speaks in the answer when none is pinned; its discover
        // probe is answered locally, so this costs the initialize alone).
        var initialized = await CreateAsync(newTransport(true), newOptions(null), cancellationToken).ConfigureAwait(false);
        var revision = initialized.NegotiatedProtocolVersion ?? NewestInitializeRevision;
        if (!string.Equals(revision, NewestInitializeRevision, StringComparison.Ordinal))
        {
            CallLog.Verbose($"MCP server at {endpoint} answered initialize with {revision}: using that revision.");
            _known[key] = new Known(revision, null);
            return initialized;
        }

        McpClient? sessionless = null;
        try
        {
            sessionless = await CreateAsync(newTransport(false), newOptions(SessionlessRevision), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            CallLog.Verbose($"MCP server at {endpoint} does not confirm {SessionlessRevision} ({Describe(e)}): using {revision} with its session.");
        }

        if (sessionless is null)
        {
            _known[key] = new Known(revision, null);
            return initialized;
        }

        CallLog.Verbose($"MCP server at {endpoint} confirmed {SessionlessRevision}: no session; closing the initialize session.");
        _known[key] = new Known(SessionlessRevision, new ResumeClientSessionOptions
        {
            ServerCapabilities = sessionless.ServerCapabilities,
            ServerInfo = ServerInfoOf(sessionless) ?? ServerInfoOf(initialized) ?? new Implementation { Name = endpoint.Host, Version = "0" },
            ServerInstructions = sessionless.ServerInstructions,
            NegotiatedProtocolVersion = SessionlessRevision,
        });
        await CloseQuietlyAsync(initialized).ConfigureAwait(false);
        return sessionless;
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

    private static async Task CloseQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or ModelContextProtocol.McpException)
        {
            // Ending a session is a courtesy to the server.
        }
    }

    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
        ModelContextProtocol.McpProtocolException rpc => $"JSON-RPC error {(int)rpc.ErrorCode}",
        System.Text.Json.JsonException => "not a discovery result",
        TimeoutException or OperationCanceledException => "no answer in time",
        _ => e.GetType().Name,
    };

    private sealed record Known(string Revision, ResumeClientSessionOptions? Resume);
}
