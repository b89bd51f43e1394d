using System.Collections.Concurrent;

namespace AgentGateway.Sandbox;

/// <summary>Thread-safe counters of what the sandbox saw. Read a consistent copy with <see cref="Snapshot"/>.</summary>
public sealed class SandboxStats
{
    private long _tokenRequests;
    private long _clientCredentials;
    private long _jwtBearer;
    private long _tokensIssued;
    private long _tokenRequestsRejected;
    private long _injectedFailures;
    private long _tlsHandshakes;
    private long _initialize;
    private long _toolsList;
    private long _toolsCall;
    private long _mcpRequests;
    private long _unauthorized401;
    private long _sessionNotFound404;
    private long _sessionDeletes;
    private long _serverDown503;
    private long _quotaRejected429;
    private long _serverDiscover;
    private long _cancelledNotifications;
    private long _gatewayTlsHandshakes;
    private long _toolsCallsInFlight;
    private long _maxConcurrentToolsCalls;
    private long _misfitTlsHandshakes;
    private long _misfitRequests;
    private long _misfitBearerRequests;
    private long _misfitFormPosts;
    private readonly ConcurrentDictionary<string, SandboxServerStats> _servers = new(StringComparer.Ordinal);

    /// <summary>Every POST to the token endpoint.</summary>
    public long TokenRequests => Interlocked.Read(ref _tokenRequests);

    /// <summary>Token requests with <c>grant_type=client_credentials</c> (whatever the outcome).</summary>
    public long ClientCredentials => Interlocked.Read(ref _clientCredentials);

    /// <summary>Token requests with the jwt-bearer grant (whatever the outcome).</summary>
    public long JwtBearer => Interlocked.Read(ref _jwtBearer);

    /// <summary>Token requests answered 200 with a token.</summary>
    public long TokensIssued => Interlocked.Read(ref _tokensIssued);

    /// <summary>Token requests answered with an error (validation or injected by FailNext).</summary>
    public long TokenRequestsRejected => Interlocked.Read(ref _tokenRequestsRejected);

    /// <summary>Of <see cref="TokenRequestsRejected"/>, those injected by <c>FailNext</c>.</summary>
    public long InjectedFailures => Interlocked.Read(ref _injectedFailures);

    /// <summary>TLS handshakes (new connections) on the token endpoint.</summary>
    public long TlsHandshakes => Interlocked.Read(ref _tlsHandshakes);

    /// <summary>JSON-RPC <c>initialize</c> requests that reached an MCP server.</summary>
    public long Initialize => Interlocked.Read(ref _initialize);

    /// <summary>JSON-RPC <c>tools/list</c> requests (each page counts).</summary>
    public long ToolsList => Interlocked.Read(ref _toolsList);

    /// <summary>JSON-RPC <c>tools/call</c> requests.</summary>
    public long ToolsCall => Interlocked.Read(ref _toolsCall);

    /// <summary>HTTP requests on MCP routes (any method), before authentication.</summary>
    public long McpRequests => Interlocked.Read(ref _mcpRequests);

    /// <summary>MCP requests refused with 401.</summary>
    public long Unauthorized401 => Interlocked.Read(ref _unauthorized401);

    /// <summary>MCP requests answered 404 (unknown or forgotten session).</summary>
    public long SessionNotFound404 => Interlocked.Read(ref _sessionNotFound404);

    /// <summary>HTTP DELETE of MCP sessions.</summary>
    public long SessionDeletes => Interlocked.Read(ref _sessionDeletes);

    /// <summary>MCP requests to a dependency whose server is down (503).</summary>
    public long ServerDown503 => Interlocked.Read(ref _serverDown503);

    /// <summary>MCP requests answered 429 by the quota (<see cref="SandboxGateway.McpQuotaPerSecond"/>): not processed.</summary>
    public long QuotaRejected429 => Interlocked.Read(ref _quotaRejected429);

    /// <summary>JSON-RPC <c>server/discover</c> probes (clients preferring the 2026-07-28 revision send one first).</summary>
    public long ServerDiscover => Interlocked.Read(ref _serverDiscover);

    /// <summary><c>notifications/cancelled</c> messages received (a client abandoning a request).</summary>
    public long CancelledNotifications => Interlocked.Read(ref _cancelledNotifications);

    /// <summary>TLS handshakes on the gateway (MCP) listener: one per client connection.</summary>
    public long GatewayTlsHandshakes => Interlocked.Read(ref _gatewayTlsHandshakes);

    /// <summary>The most <c>tools/call</c> requests the SDK servers were running at once (their handlers, from start to result).</summary>
    public long MaxConcurrentToolsCalls => Interlocked.Read(ref _maxConcurrentToolsCalls);

    /// <summary>A <c>tools/call</c> request begins (until <see cref="EndToolsCall"/>): counts towards <see cref="MaxConcurrentToolsCalls"/>.</summary>
    internal void BeginToolsCall()
    {
        var now = Interlocked.Increment(ref _toolsCallsInFlight);
        var most = Interlocked.Read(ref _maxConcurrentToolsCalls);
        while (now > most)
        {
            var seen = Interlocked.CompareExchange(ref _maxConcurrentToolsCalls, now, most);
            if (seen == most)
            {
                break;
            }

            most = seen;
        }
    }

    internal void EndToolsCall() => Interlocked.Decrement(ref _toolsCallsInFlight);

    /// <summary>TLS handshakes begun on the listeners a client must refuse (<see cref="SandboxGateway.ClientAuthOnlyUrl"/>, <see cref="SandboxGateway.UntrustedChainUrl"/>).</summary>
    public long MisfitTlsHandshakes => Interlocked.Read(ref _misfitTlsHandshakes);

    /// <summary>HTTP requests that got through to those listeners (a client that accepted the certificate).</summary>
    public long MisfitRequests => Interlocked.Read(ref _misfitRequests);

    /// <summary>Of <see cref="MisfitRequests"/>, those with an <c>Authorization</c> header (a bearer token given away).</summary>
    public long MisfitBearerRequests => Interlocked.Read(ref _misfitBearerRequests);

    /// <summary>Of <see cref="MisfitRequests"/>, form POSTs (a token request: client credentials or a user JWT given away).</summary>
    public long MisfitFormPosts => Interlocked.Read(ref _misfitFormPosts);

    internal void AddMisfitTlsHandshake() => Interlocked.Increment(ref _misfitTlsHandshakes);

    internal void AddMisfitRequest(bool withAuthorization, bool form)
    {
        Interlocked.Increment(ref _misfitRequests);
        if (withAuthorization)
        {
            Interlocked.Increment(ref _misfitBearerRequests);
        }

        if (form)
        {
            Interlocked.Increment(ref _misfitFormPosts);
        }
    }

    internal void AddServerDiscover() => Interlocked.Increment(ref _serverDiscover);
    internal void AddTokenRequest() => Interlocked.Increment(ref _tokenRequests);
    internal void AddClientCredentials() => Interlocked.Increment(ref _clientCredentials);
    internal void AddJwtBearer() => Interlocked.Increment(ref _jwtBearer);
    internal void AddTokenIssued() => Interlocked.Increment(ref _tokensIssued);
    internal void AddTokenRejected() => Interlocked.Increment(ref _tokenRequestsRejected);
    internal void AddInjectedFailure() => Interlocked.Increment(ref _injectedFailures);
    internal void AddTlsHandshake() => Interlocked.Increment(ref _tlsHandshakes);
    internal void AddInitialize() => Interlocked.Increment(ref _initialize);
    internal void AddToolsList() => Interlocked.Increment(ref _toolsList);
    internal void AddToolsCall() => Interlocked.Increment(ref _toolsCall);
    internal void AddMcpRequest() => Interlocked.Increment(ref _mcpRequests);
    internal void AddUnauthorized() => Interlocked.Increment(ref _unauthorized401);
    internal void AddSessionNotFound() => Interlocked.Increment(ref _sessionNotFound404);
    internal void AddSessionDelete() => Interlocked.Increment(ref _sessionDeletes);
    internal void AddServerDown() => Interlocked.Increment(ref _serverDown503);

    internal void AddQuotaRejected() => Interlocked.Increment(ref _quotaRejected429);
    internal void AddCancelledNotification() => Interlocked.Increment(ref _cancelledNotifications);
    internal void AddGatewayTlsHandshake() => Interlocked.Increment(ref _gatewayTlsHandshakes);

    /// <summary>The counters of one MCP server (by <c>serverInfo.name</c>), made on first use.</summary>
    public SandboxServerStats Server(string serverName) => _servers.GetOrAdd(serverName, _ => new SandboxServerStats());

    /// <summary>A copy of the counters at this instant.</summary>
    public SandboxStatsSnapshot Snapshot() => new(
        TokenRequests, ClientCredentials, JwtBearer, TokensIssued, TokenRequestsRejected, InjectedFailures,
        TlsHandshakes, Initialize, ToolsList, ToolsCall, McpRequests, Unauthorized401, SessionNotFound404,
        SessionDeletes, ServerDown503, ServerDiscover, CancelledNotifications, GatewayTlsHandshakes,
        _servers.ToDictionary(e => e.Key, e => e.Value.Snapshot(), StringComparer.Ordinal))
    {
        MaxConcurrentToolsCalls = MaxConcurrentToolsCalls,
        MisfitTlsHandshakes = MisfitTlsHandshakes,
        MisfitRequests = MisfitRequests,
        MisfitBearerRequests = MisfitBearerRequests,
        MisfitFormPosts = MisfitFormPosts,
        QuotaRejected429 = QuotaRejected429,
    };

    /// <summary>Sets every counter back to zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _tokenRequests, 0);
        Interlocked.Exchange(ref _clientCredentials, 0);
        Interlocked.Exchange(ref _jwtBearer, 0);
        Interlocked.Exchange(ref _tokensIssued, 0);
        Interlocked.Exchange(ref _tokenRequestsRejected, 0);
        Interlocked.Exchange(ref _injectedFailures, 0);
        Interlocked.Exchange(ref _tlsHandshakes, 0);
        Interlocked.Exchange(ref _initialize, 0);
        Interlocked.Exchange(ref _toolsList, 0);
        Interlocked.Exchange(ref _toolsCall, 0);
        Interlocked.Exchange(ref _mcpRequests, 0);
        Interlocked.Exchange(ref _unauthorized401, 0);
        Interlocked.Exchange(ref _sessionNotFound404, 0);
        Interlocked.Exchange(ref _sessionDeletes, 0);
        Interlocked.Exchange(ref _serverDown503, 0);
        Interlocked.Exchange(ref _quotaRejected429, 0);
        Interlocked.Exchange(ref _serverDiscover, 0);
        Interlocked.Exchange(ref _cancelledNotifications, 0);
        Interlocked.Exchange(ref _gatewayTlsHandshakes, 0);

        // Calls still in progress keep counting down; the most seen starts again from those.
        Interlocked.Exchange(ref _maxConcurrentToolsCalls, Interlocked.Read(ref _toolsCallsInFlight));
        Interlocked.Exchange(ref _misfitTlsHandshakes, 0);
        Interlocked.Exchange(ref _misfitRequests, 0);
        Interlocked.Exchange(ref _misfitBearerRequests, 0);
        Interlocked.Exchange(ref _misfitFormPosts, 0);
        _servers.Clear();
    }
}

/// <summary>Immutable copy of <see cref="SandboxStats"/> (this is what <c>GET /admin/stats</c> returns).</summary>
public sealed record SandboxStatsSnapshot(
    long TokenRequests,
    long ClientCredentials,
    long JwtBearer,
    long TokensIssued,
    long TokenRequestsRejected,
    long InjectedFailures,
    long TlsHandshakes,
    long Initialize,
    long ToolsList,
    long ToolsCall,
    long McpRequests,
    long Unauthorized401,
    long SessionNotFound404,
    long SessionDeletes,
    long ServerDown503,
    long ServerDiscover,
    long CancelledNotifications,
    long GatewayTlsHandshakes,
    IReadOnlyDictionary<string, SandboxServerStatsSnapshot> Servers)
{
    /// <summary>MCP sessions the servers hold now: initialized and not yet ended by a DELETE (or forgotten).</summary>
    public long OpenSessions { get; init; }

    /// <summary>The most <c>tools/call</c> requests the servers had in progress at once since the last reset.</summary>
    public long MaxConcurrentToolsCalls { get; init; }

    /// <summary>See <see cref="SandboxStats.QuotaRejected429"/>.</summary>
    public long QuotaRejected429 { get; init; }

    /// <summary>See <see cref="SandboxStats.MisfitTlsHandshakes"/>.</summary>
    public long MisfitTlsHandshakes { get; init; }

    /// <summary>See <see cref="SandboxStats.MisfitRequests"/>.</summary>
    public long MisfitRequests { get; init; }

    /// <summary>See <see cref="SandboxStats.MisfitBearerRequests"/>.</summary>
    public long MisfitBearerRequests { get; init; }

    /// <summary>See <see cref="SandboxStats.MisfitFormPosts"/>.</summary>
    public long MisfitFormPosts { get; init; }

    /// <summary>The counters of one server; zeros when it saw nothing since the last reset.</summary>
    public SandboxServerStatsSnapshot ForServer(string serverName) =>
        Servers.TryGetValue(serverName, out var stats) ? stats : new SandboxServerStatsSnapshot(0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>Counters of one MCP server: what a client's negotiation and resumption cost it.</summary>
public sealed class SandboxServerStats
{
    private long _requests;
    private long _initialize;
    private long _serverDiscover;
    private long _toolsCall;
    private long _getStreams;
    private long _getResumptions;
    private long _sessionDeletes;
    private long _elicitations;
    private long _toolsList;
    private long _headerMismatches;

    internal void AddRequest() => Interlocked.Increment(ref _requests);
    internal void AddInitialize() => Interlocked.Increment(ref _initialize);
    internal void AddServerDiscover() => Interlocked.Increment(ref _serverDiscover);
    internal void AddToolsCall() => Interlocked.Increment(ref _toolsCall);
    internal void AddGetStream() => Interlocked.Increment(ref _getStreams);
    internal void AddGetResumption() => Interlocked.Increment(ref _getResumptions);
    internal void AddSessionDelete() => Interlocked.Increment(ref _sessionDeletes);
    internal void AddElicitation() => Interlocked.Increment(ref _elicitations);
    internal void AddToolsList() => Interlocked.Increment(ref _toolsList);
    internal void AddHeaderMismatch() => Interlocked.Increment(ref _headerMismatches);

    public SandboxServerStatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _initialize),
        Interlocked.Read(ref _serverDiscover),
        Interlocked.Read(ref _toolsCall),
        Interlocked.Read(ref _getStreams),
        Interlocked.Read(ref _getResumptions),
        Interlocked.Read(ref _sessionDeletes),
        Interlocked.Read(ref _elicitations))
    {
        ToolsList = Interlocked.Read(ref _toolsList),
        HeaderMismatches = Interlocked.Read(ref _headerMismatches),
    };
}

/// <summary>
/// A copy of one server's counters: HTTP requests, <c>initialize</c> and <c>server/discover</c> requests,
/// <c>tools/call</c> requests, GET streams (of which resumptions: a GET with <c>Last-Event-ID</c>), session DELETEs,
/// and elicitation requests the server sent.
/// </summary>
public sealed record SandboxServerStatsSnapshot(
    long Requests,
    long Initialize,
    long ServerDiscover,
    long ToolsCall,
    long GetStreams,
    long GetResumptions,
    long SessionDeletes,
    long Elicitations)
{
    /// <summary><c>tools/list</c> requests (every page).</summary>
    public long ToolsList { get; init; }

    /// <summary>Requests the server refused with -32020 (a header that does not match the body, or is missing).</summary>
    public long HeaderMismatches { get; init; }
}
