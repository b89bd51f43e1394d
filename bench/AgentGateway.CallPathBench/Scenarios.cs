using System.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Sessions;
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
    /// (a′) The engine without the cmdlet: a warm <see cref="AgwSession"/>, and per call what
    /// Invoke-McpTool -OrdId asks of it: TargetForOrdId, AuthFor, CallToolAsync.
    /// </summary>
    public static async Task<double[]> RunEngineDirectAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var session = NewSession(target);
        return await TimeCallsAsync(calls, () => CallThroughSessionAsync(session, target.OrdId)).ConfigureAwait(false);
    }

    /// <summary>
    /// (b) No cache: per call a client-credentials token request (the engine's TokenClient, mTLS, whose
    /// pooled TLS connection stays open) and a fresh MCP client (initialize, tools/call, dispose = DELETE).
    /// </summary>
    public static async Task<double[]> RunNoCacheAsync(BenchTarget target, int calls)
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
    public static async Task<double[]> RunCachedTokenFreshSessionAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var http = NewSharedMcpHttpClient(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        return await TimeCallsAsync(calls, () => CallWithFreshClientAsync(http, target.Endpoint, accessToken)).ConfigureAwait(false);
    }

    /// <summary>(d) The floor: one token, one hand-made session, raw POSTs of tools/call on one kept-alive HttpClient.</summary>
    public static async Task<double[]> RunRawFloorAsync(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        var accessToken = await FetchOneTokenAsync(target).ConfigureAwait(false);
        using var http = NewSharedMcpHttpClient(target);
        await using var raw = await RawMcpSession.OpenAsync(http, target.Endpoint, accessToken, CancellationToken.None).ConfigureAwait(false);
        return await TimeCallsAsync(calls, () => raw.CallEchoAsync(CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>
    /// Cold burst: a fresh <see cref="AgwSession"/> (no token, no MCP session, no connection) and
    /// <paramref name="callers"/> tasks released together by one gate, each doing what a first
    /// Invoke-McpTool does. Each latency runs from the release to that caller's result.
    /// </summary>
    public static async Task<double[]> RunColdBurstAsync(BenchTarget target, int callers)
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
        Volatile.Write(ref released, Stopwatch.GetTimestamp());
        gate.SetResult();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task<double[]> TimeCallsAsync(int calls, Func<Task> call)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        await call().ConfigureAwait(false);   // warm-up, untimed
        var durations = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call().ConfigureAwait(false);
            durations[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return durations;
    }

    private static AgwSession NewSession(BenchTarget target)
    {
        var session = new AgwSession();
        session.UpdateConfig(c => c.With(trustedCaPath: target.TrustedCaPath));
        return session;
    }

    private static async Task CallThroughSessionAsync(AgwSession session, string ordId)
    {
        var mcpTarget = session.TargetForOrdId(ordId);
        var auth = session.AuthFor(mcpTarget.Url, null, null);
        var result = await session.CallToolAsync(mcpTarget, auth, BenchTarget.ToolName, s_arguments, null, null, CancellationToken.None).ConfigureAwait(false);
        if (result.IsError)
        {
            throw new InvalidOperationException($"echo reported an error: {result.Text}");
        }
    }

    private static TokenClient NewTokenClient(BenchTarget target) => new(target.Credentials, target.TrustedRoots, s_timeout);

    private static async Task<string> FetchOneTokenAsync(BenchTarget target)
    {
        using var tokens = NewTokenClient(target);
        return (await tokens.RequestSystemTokenAsync().ConfigureAwait(false)).AccessToken;
    }

    /// <summary>One pooled HttpClient trusting the sandbox CA (verification stays on), shared by every MCP client of a scenario.</summary>
    private static HttpClient NewSharedMcpHttpClient(BenchTarget target) =>
        new(TlsTrust.CreateHandler(target.TrustedRoots), disposeHandler: true) { Timeout = s_timeout };

    /// <summary>
    /// The SDK client per call: HttpClientTransport (Streamable HTTP, bearer header) on the shared
    /// HttpClient, initialize with the engine's pinned protocol version, tools/call, dispose (DELETE).
    /// </summary>
    private static async Task CallWithFreshClientAsync(HttpClient http, Uri endpoint, string accessToken)
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
        await using var client = await McpClient.CreateAsync(transport, options, loggerFactory: null).ConfigureAwait(false);
        var result = await client.CallToolAsync(BenchTarget.ToolName, s_arguments).ConfigureAwait(false);
        if (result.IsError == true)
        {
            throw new InvalidOperationException("echo reported an error.");
        }
    }
}
