using System.Diagnostics;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tokens;
using ModelContextProtocol.Client;

namespace AgentGateway.CallPathBench;

/// <summary>
/// The comparison scenarios of the call-path bench, called from bench/Invoke-CallPathBench.ps1 in the
/// pwsh process that also runs the module's Invoke-McpTool. Each sequential scenario makes one untimed
/// warm-up call, then <c>calls</c> timed calls of the echo tool, and returns their durations in ms.
/// </summary>
public static class Scenarios
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, object?> s_arguments = new() { ["message"] = BenchTarget.Message };

    /// <summary>
    /// (a′) The engine without the cmdlet: a warm <see cref="RunspaceState"/>, and per call what
    /// Invoke-McpTool -OrdId asks of it: PrepareCallAsync (target, arguments, auth, schema check), InvokeAsync.
    /// </summary>
    public static async Task<TimedRun> RunEngineDirectAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var session = NewSession(target);
        return await TimeCallsAsync(calls, () => CallThroughSessionAsync(session, target.OrdId)).ConfigureAwait(false);
    }

    /// <summary>(a′ + log) As <see cref="RunEngineDirectAsync"/> with <paramref name="sink"/> attached as the call log, as the cmdlet attaches its own under -Verbose/-Debug.</summary>
    public static async Task<TimedRun> RunEngineDirectWithLogSinkAsync(BenchTarget target, int calls, CountingLogSink sink)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sink);
        using var session = NewSession(target);
        return await TimeCallsAsync(calls, async () =>
        {
            using (CallLog.Use(sink))
            {
                await CallThroughSessionAsync(session, target.OrdId).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>(a′-call) The engine's InvokeAsync alone: the call prepared once (target, arguments, auth, schema check), sent per call.</summary>
    public static async Task<TimedRun> RunEngineCallOnlyAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var session = NewSession(target);
        var call = await session.PrepareCallAsync(EchoRequest(target.OrdId)).ConfigureAwait(false);
        return await TimeCallsAsync(calls, async () =>
        {
            var result = await call.InvokeAsync().ConfigureAwait(false);
            ThrowIfError(result.IsError);
        }).ConfigureAwait(false);
    }

    /// <summary>(d′) The official SDK client kept open: one token, one session, CallToolAsync per call on the shared HttpClient.</summary>
    public static async Task<TimedRun> RunSdkPooledClientAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        using var http = NewSharedMcpHttpClient(target);
        await using var client = await ConnectAsync(http, target.Endpoint, accessToken).ConfigureAwait(false);
        return await TimeCallsAsync(calls, () => CallEchoAsync(client)).ConfigureAwait(false);
    }

    /// <summary>
    /// (b′) No cache and no connection reuse: per call a new TokenClient (a new mTLS connection) and a new
    /// HttpClient for the MCP session (a new TLS connection): a client that keeps nothing between calls.
    /// </summary>
    public static async Task<TimedRun> RunNoCacheNoConnectionReuseAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        return await TimeCallsAsync(calls, async () =>
        {
            var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
            using var http = NewSharedMcpHttpClient(target);
            await CallWithFreshClientAsync(http, target.Endpoint, accessToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// (b) No cache: per call a client-credentials token request (the engine's TokenClient, mTLS, whose
    /// pooled TLS connection stays open) and a fresh MCP client (initialize, tools/call, dispose = DELETE).
    /// </summary>
    public static async Task<TimedRun> RunNoCacheAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var tokens = NewTokenClient(target);
        using var http = NewSharedMcpHttpClient(target);
        return await TimeCallsAsync(calls, async () =>
        {
            var token = await tokens.RequestSystemTokenAsync().ConfigureAwait(false);
            await CallWithFreshClientAsync(http, target.Endpoint, token.AccessToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>(c) One token fetched once and reused; a fresh MCP client per call as in (b).</summary>
    public static async Task<TimedRun> RunCachedTokenFreshSessionAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var http = NewSharedMcpHttpClient(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        return await TimeCallsAsync(calls, () => CallWithFreshClientAsync(http, target.Endpoint, accessToken)).ConfigureAwait(false);
    }

    /// <summary>(d) The floor: one token, one hand-made session, raw POSTs of tools/call on one kept-alive HttpClient.</summary>
    /// <summary>(d) at 2026-07-28: one raw session-less tools/call POST per call, kept-alive HttpClient, fixed token.</summary>
    public static async Task<TimedRun> RunRawSessionlessFloorAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        using var http = NewSharedMcpHttpClient(target);
        await using var raw = RawMcpSession.OpenSessionless(http, target.Endpoint, accessToken);
        return await TimeCallsAsync(calls, () => raw.CallEchoAsync(CancellationToken.None)).ConfigureAwait(false);
    }

    public static async Task<TimedRun> RunRawFloorAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        using var http = NewSharedMcpHttpClient(target);
        await using var raw = await RawMcpSession.OpenAsync(http, target.Endpoint, accessToken, CancellationToken.None).ConfigureAwait(false);
        return await TimeCallsAsync(calls, () => raw.CallEchoAsync(CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>
    /// Cold burst: a fresh <see cref="RunspaceState"/> (no token, no MCP session, no connection) and
    /// <paramref name="callers"/> tasks released together by one gate, each doing what a first
    /// Invoke-McpTool does. Each latency runs from the release to that caller's result.
    /// </summary>
    public static async Task<TimedRun> RunColdBurstAsync(BenchTarget target, int callers)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(callers, 1);
        using var session = NewSession(target);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long released = 0;

        async Task<double> CallerAsync()
        {
            await gate.Task.ConfigureAwait(false);
            await CallThroughSessionAsync(session, target.OrdId).ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(Volatile.Read(ref released)).TotalMilliseconds;
        }

        var tasks = Enumerable.Range(0, callers).Select(_ => CallerAsync()).ToArray();
        var start = TimedRun.Mark.Take();
        Volatile.Write(ref released, start.Timestamp);
        gate.SetResult();
        var latencies = await Task.WhenAll(tasks).ConfigureAwait(false);
        return new TimedRun(latencies, start);
    }

    private static async Task<TimedRun> TimeCallsAsync(int calls, Func<Task> call)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        await call().ConfigureAwait(false);   // warm-up, untimed
        var durations = new double[calls];
        var start = TimedRun.Mark.Take();
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call().ConfigureAwait(false);
            durations[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return new TimedRun(durations, start);
    }

    private static RunspaceState NewSession(BenchTarget target)
    {
        var session = new RunspaceState();
        session.UpdateConfig(c => c.With(trustedCaPath: target.TrustedCaPath));
        return session;
    }

    /// <summary>One call the way Invoke-McpTool -OrdId makes it: prepared (a listing is kept after the first), then invoked.</summary>
    internal static async Task CallThroughSessionAsync(RunspaceState session, string ordId)
    {
        var call = await session.PrepareCallAsync(EchoRequest(ordId)).ConfigureAwait(false);
        var result = await call.InvokeAsync().ConfigureAwait(false);
        ThrowIfError(result.IsError);
    }

    private static McpCallRequest EchoRequest(string ordId) => new() { ToolName = BenchTarget.ToolName, OrdId = ordId, Arguments = s_arguments };

    private static TokenClient NewTokenClient(BenchTarget target) => new(target.Credentials, target.TrustedRoots, s_timeout);

    private static async Task<string> FetchOneTokenAsync(BenchTarget target)
    {
        using var tokens = NewTokenClient(target);
        return (await tokens.RequestSystemTokenAsync().ConfigureAwait(false)).AccessToken;
    }

    /// <summary>One pooled HttpClient trusting the sandbox CA (verification stays on), shared by every MCP client of a scenario.</summary>
    private static HttpClient NewSharedMcpHttpClient(BenchTarget target) =>
        new(TlsTrust.CreateHandler(target.TrustedRoots), disposeHandler: true) { Timeout = s_timeout };

    /// <summary>The SDK client per call: connect as <see cref="ConnectAsync"/>, tools/call, dispose (DELETE).</summary>
    private static async Task CallWithFreshClientAsync(HttpClient http, Uri endpoint, string accessToken)
    {
        await using var client = await ConnectAsync(http, endpoint, accessToken).ConfigureAwait(false);
        await CallEchoAsync(client).ConfigureAwait(false);
    }

    /// <summary>
    /// An SDK client: HttpClientTransport (Streamable HTTP, bearer header, no standalone GET stream) on the
    /// shared HttpClient, initialize with the engine's pinned protocol version (no discovery round trip).
    /// </summary>
    private static async Task<McpClient> ConnectAsync(HttpClient http, Uri endpoint, string accessToken)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
                OwnsSession = true,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken },
            },
            http,
            loggerFactory: null,
            ownsHttpClient: false);
        var options = new McpClientOptions { ProtocolVersion = BenchTarget.ProtocolVersion, InitializationTimeout = s_timeout };
        return await McpClient.CreateAsync(transport, options, loggerFactory: null).ConfigureAwait(false);
    }

    private static async Task CallEchoAsync(McpClient client)
    {
        var result = await client.CallToolAsync(BenchTarget.ToolName, s_arguments).ConfigureAwait(false);
        ThrowIfError(result.IsError == true);
    }

    private static void ThrowIfError(bool isError)
    {
        if (isError)
        {
            throw new InvalidOperationException("echo reported an error.");
        }
    }
}
