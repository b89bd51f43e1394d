using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGateway.CallPathBench;

/// <summary>
/// The floor: MCP by hand over one kept-alive HttpClient. Initialize once (POST initialize, read
/// Mcp-Session-Id, POST notifications/initialized), then each call is one POST of the same
/// tools/call JSON-RPC body (only the id changes), the whole response body read (SSE or JSON).
/// </summary>
internal sealed class RawMcpSession : IAsyncDisposable
{
    private const string SessionHeader = "Mcp-Session-Id";
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private long _nextId;

    private RawMcpSession(HttpClient http, Uri endpoint)
    {
        _http = http;
        _endpoint = endpoint;
    }

    /// <summary>Initializes a session on <paramref name="http"/> (whose default headers then carry the session id).</summary>
    public static async Task<RawMcpSession> OpenAsync(HttpClient http, Uri endpoint, string accessToken, CancellationToken cancellationToken)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Add("MCP-Protocol-Version", BenchTarget.ProtocolVersion);

        var session = new RawMcpSession(http, endpoint);
        var initialize = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + BenchTarget.ProtocolVersion +
                         "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"AgentGateway.CallPathBench\",\"version\":\"1.0\"}}}";
        using (var response = await session.PostAsync(initialize, cancellationToken).ConfigureAwait(false))
        {
            await EnsureResultAsync(response, "initialize", cancellationToken).ConfigureAwait(false);
            var id = response.Headers.TryGetValues(SessionHeader, out var values) ? values.FirstOrDefault() : null;
            http.DefaultRequestHeaders.Add(SessionHeader, id ?? throw new InvalidOperationException("initialize returned no Mcp-Session-Id."));
        }

        using (var initialized = await session.PostAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", cancellationToken).ConfigureAwait(false))
        {
            initialized.EnsureSuccessStatusCode();
        }

        return session;
    }

    /// <summary>
    /// The 2026-07-28 floor: no initialize and no session; each call carries the revision in the <c>MCP-Protocol-Version</c>
    /// header and in <c>_meta</c> with the client's capabilities and info, and names itself in <c>Mcp-Method</c>/<c>Mcp-Name</c>.
    /// </summary>
    public static RawMcpSession OpenSessionless(HttpClient http, Uri endpoint, string accessToken)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Add("MCP-Protocol-Version", SessionlessRevision);
        http.DefaultRequestHeaders.Add("Mcp-Method", "tools/call");
        http.DefaultRequestHeaders.Add("Mcp-Name", BenchTarget.ToolName);
        return new RawMcpSession(http, endpoint) { _sessionless = true };
    }

    private const string SessionlessRevision = "2026-07-28";
    private bool _sessionless;

    /// <summary>One tools/call of echo; throws unless the body holds a result.</summary>
    public async Task CallEchoAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var meta = _sessionless
            ? ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + SessionlessRevision +
              "\",\"io.modelcontextprotocol/clientCapabilities\":{},\"io.modelcontextprotocol/clientInfo\":{\"name\":\"AgentGateway.CallPathBench\",\"version\":\"1.0\"}}"
            : string.Empty;
        var body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + BenchTarget.ToolName +
                   "\",\"arguments\":{\"message\":\"" + BenchTarget.Message + "\"}" + meta + "}}";
        using var response = await PostAsync(body, cancellationToken).ConfigureAwait(false);
        await EnsureResultAsync(response, "tools/call", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the session (DELETE), as the SDK does on dispose; not timed. No session at 2026-07-28: nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_sessionless)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, _endpoint);
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> PostAsync(string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await _http.PostAsync(_endpoint, content, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureResultAsync(HttpResponseMessage response, string method, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || !text.Contains("\"result\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The raw {method} got HTTP {(int)response.StatusCode} without a JSON-RPC result.");
        }
    }
}
