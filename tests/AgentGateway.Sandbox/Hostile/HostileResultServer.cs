using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace AgentGateway.Sandbox;

/// <summary>
/// A hand-written Streamable HTTP JSON-RPC server that answers tool calls as a hostile or broken server would, to
/// test what a client makes of it. Its one tool, <c>answer</c>, runs (the gateway counts each tools/call it
/// forwards) and then answers as its <c>kind</c> argument says (see <see cref="Kinds"/>): results with keys and values
/// PowerShell objects find hard (an empty name, names that differ in case, reserved names, huge numbers, deep
/// nesting, nulls), answers that are no reply (invalid JSON, a bare Infinity, HTML, a reply to another id, an event
/// stream that ends without one), answers of any size (<c>size</c> bytes of text, as JSON or as an event; a JSON-RPC
/// error whose message is <c>size</c> bytes and whose data holds the same again, as JSON or as an event; a result
/// that asks for input with <c>size</c> bytes of request state), an event
/// whose <c>data:</c> line never ends, connections that drop after the tool ran, and an answer that never comes. Written by hand so it can send
/// what no SDK would. With <c>infinityListing</c>, its tools/list answer holds a bare <c>Infinity</c> (as Python's
/// json module writes one).
/// </summary>
internal sealed class HostileResultServer(string name, bool infinityListing = false)
{
    /// <summary>The revision every initialize is answered with (one without discovery, so a client uses it at once).</summary>
    public const string ProtocolVersion = "2025-06-18";

    /// <summary>The kinds of answer of the <c>answer</c> tool.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "ok", "empty-key", "case-keys", "duplicate-keys", "reserved-keys", "odd-values", "nulls", "deep", "lone-surrogate",
        "text", "text-sse", "huge-error", "huge-error-sse", "huge-input-required", "invalid-json", "garbage", "infinity", "html", "other-id", "other-id-sse", "error-null-id",
        "endless-sse", "drop", "drop-sse", "drop-json", "lose-session", "hang",
    ];

    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);
    private long _bytesWritten;

    /// <summary>Bytes of the endless event stream written so far (what a client that stops at a limit let through).</summary>
    public long EndlessBytesWritten => Interlocked.Read(ref _bytesWritten);

    public async Task HandleAsync(HttpContext context)
    {
        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            _sessions.TryRemove(sessionId, out _);
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (sessionId.Length > 0 && !_sessions.ContainsKey(sessionId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (body is not JsonObject message || message["method"]?.GetValue<string>() is not { } method || !message.ContainsKey("id"))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = message["id"]?.ToJsonString() ?? "null";
        switch (method)
        {
            case "initialize":
                var minted = Guid.NewGuid().ToString("N");
                _sessions[minted] = 0;
                context.Response.Headers["Mcp-Session-Id"] = minted;
                await WriteJsonAsync(context, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"protocolVersion\":\"" + ProtocolVersion + "\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"" + name + "\",\"version\":\"6.6.6\"}}}").ConfigureAwait(false);
                return;
            case "tools/list":
                await WriteJsonAsync(context, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"tools\":[" + Tool() + "]}}").ConfigureAwait(false);
                return;
            case "tools/call":
                await CallAsync(context, id, message["params"] as JsonObject, sessionId).ConfigureAwait(false);
                return;
            default:
                await WriteJsonAsync(context, $$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{}}""").ConfigureAwait(false);
                return;
        }
    }

    private string Tool()
    {
        var maximum = infinityListing ? "Infinity" : "1000000";
        var tool = """{"name":"answer","description":"Runs, then answers as 'kind' says.","inputSchema":{"type":"object","properties":{"kind":{"type":"string"},"i":{"type":"integer"},"size":{"type":"integer","minimum":0},"sized":{"type":"boolean"},"depth":{"type":"integer","minimum":3,"maximum":MAXIMUM}},"required":["kind"]}}""";
        return tool.Replace("MAXIMUM", maximum, StringComparison.Ordinal);
    }

    private async Task CallAsync(HttpContext context, string id, JsonObject? parameters, string sessionId)
    {
        var arguments = parameters?["arguments"] as JsonObject;
        var kind = arguments?["kind"]?.GetValue<string>() ?? "ok";
        var i = arguments?["i"]?.GetValue<long>() ?? 0;
        var size = arguments?["size"]?.GetValue<long>() ?? 1024;
        var depth = (int)(arguments?["depth"]?.GetValue<long>() ?? 10);
        var sized = arguments?["sized"]?.GetValue<bool>() ?? false;
        var ct = context.RequestAborted;
        string Reply(string result) => "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
        string Structured(string structured) => "{\"content\":[{\"type\":\"text\",\"text\":\"row " + i + "\"}],\"structuredContent\":" + structured + "}";

        switch (kind)
        {
            case "ok":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"i":{{{i}}},"kind":"ok"}"""))).ConfigureAwait(false);
                return;
            case "empty-key":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"":"empty","i":{{{i}}},"nested":{"":{"":1}},"list":[{"":true}]}"""))).ConfigureAwait(false);
                return;
            case "case-keys":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"i":{{{i}}},"a":1,"A":2,"Name":"x","name":"y"}"""))).ConfigureAwait(false);
                return;
            case "duplicate-keys":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"i":{{{i}}},"a":1,"a":2,"b":{"c":1,"c":[3]}}"""))).ConfigureAwait(false);
                return;
            case "reserved-keys":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"i":{{{i}}},"psobject":1,"PSBase":2,"psadapted":3,"psextended":4,"pstypenames":["x"]}"""))).ConfigureAwait(false);
                return;
            case "odd-values":
                await WriteJsonAsync(context, Reply(Structured($$$"""
                    {"i":{{{i}}},"big":123456789012345678901234567890,"negbig":-98765432109876543210,"huge":1e400,"neghuge":-1E+400,"tiny":1e-400,
                    "negzero":-0,"float":0.1,"nul":null,"t":true,"f":false,"arr":[null,[],{},[[]]],"esc":"\u0000\u001b[31mred\u202e\ud83d\ude00",
                    "long":"{{{new string('l', 100_000)}}}","{{{new string('k', 10_000)}}}":1,"sp ace":1,"a.b":2,"$x":3,"0":4}
                    """))).ConfigureAwait(false);
                return;
            case "nulls":
                await WriteJsonAsync(context, Reply("""{"content":[null,{"type":"text","text":null},{"type":"image"},{"type":null},7,"s"],"structuredContent":null,"isError":null,"_meta":null}""")).ConfigureAwait(false);
                return;
            case "deep":
                // The whole message nests 'depth' levels: the envelope, the result and structuredContent are three.
                var inner = new StringBuilder();
                for (var level = 3; level < depth; level++)
                {
                    inner.Append("{\"a\":");
                }

                inner.Append("{\"i\":").Append(i).Append('}').Append('}', Math.Max(0, depth - 3));
                await WriteJsonAsync(context, Reply(Structured(inner.ToString()))).ConfigureAwait(false);
                return;
            case "lone-surrogate":
                await WriteJsonAsync(context, Reply(Structured($$$"""{"i":{{{i}}},"s":"a\ud800b"}"""))).ConfigureAwait(false);
                return;
            case "text":
                await WriteTextAsync(context, id, size, eventStream: false, sized).ConfigureAwait(false);
                return;
            case "text-sse":
                await WriteTextAsync(context, id, size, eventStream: true, sized: false).ConfigureAwait(false);
                return;
            case "huge-error":
                await WriteHugeErrorAsync(context, id, size, eventStream: false).ConfigureAwait(false);
                return;
            case "huge-error-sse":
                await WriteHugeErrorAsync(context, id, size, eventStream: true).ConfigureAwait(false);
                return;
            case "huge-input-required":
                // A result that asks for input (2026-07-28) whose requestState holds size bytes.
                await WriteJsonAsync(context, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"resultType\":\"input_required\",\"inputRequests\":{},\"requestState\":\"" + new string('s', (int)size) + "\"}}").ConfigureAwait(false);
                return;
            case "invalid-json":
                await WriteJsonAsync(context, $$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"content":[{"type":"text","text":"cut""").ConfigureAwait(false);
                return;
            case "garbage":
                await WriteJsonAsync(context, "this is not JSON").ConfigureAwait(false);
                return;
            case "infinity":
                await WriteJsonAsync(context, Reply(Structured("""{"x":Infinity}"""))).ConfigureAwait(false);
                return;
            case "html":
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync("<html><body>Please sign in</body></html>", ct).ConfigureAwait(false);
                return;
            case "other-id":
                await WriteJsonAsync(context, "{\"jsonrpc\":\"2.0\",\"id\":\"not-yours\",\"result\":" + Structured("{}") + "}").ConfigureAwait(false);
                return;
            case "other-id-sse":
                StartEvents(context);
                await context.Response.WriteAsync($"data: {{\"jsonrpc\":\"2.0\",\"id\":\"not-yours\",\"result\":{Structured("{}")}}}\n\n", ct).ConfigureAwait(false);
                return;
            case "error-null-id":
                await WriteJsonAsync(context, """{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}""").ConfigureAwait(false);
                return;
            case "endless-sse":
                await WriteEndlessAsync(context).ConfigureAwait(false);
                return;
            case "drop":
                // The tool ran; the server dies before it answers.
                context.Abort();
                return;
            case "drop-sse":
                StartEvents(context);
                await context.Response.WriteAsync("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"working\"}}\n\n", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                context.Abort();
                return;
            case "drop-json":
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 1000;
                await context.Response.WriteAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                context.Abort();
                return;
            case "hang":
                // The tool ran; the answer never comes (until the client goes away).
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case "lose-session" when sessionId.Length > 0:
                // The session is forgotten at once, every time.
                _sessions.TryRemove(sessionId, out _);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            default:
                await WriteJsonAsync(context, $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32602,"message":"Unknown kind"}}""").ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// <paramref name="size"/> bytes of text in one text block (and nothing else), written as it goes: the server keeps
    /// none of it. <paramref name="sized"/>: a JSON body with its Content-Length (else chunked).
    /// </summary>
    private static async Task WriteTextAsync(HttpContext context, string id, long size, bool eventStream, bool sized)
    {
        var ct = context.RequestAborted;
        if (eventStream)
        {
            StartEvents(context);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
        }

        var body = context.Response.Body;
        var head = (eventStream ? "data: " : string.Empty) + "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"";
        var tail = "\"}]}}" + (eventStream ? "\n\n" : string.Empty);
        if (sized)
        {
            context.Response.ContentLength = Encoding.UTF8.GetByteCount(head) + size + tail.Length;
        }

        await body.WriteAsync(Encoding.UTF8.GetBytes(head), ct).ConfigureAwait(false);
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        for (var left = size; left > 0; left -= chunk.Length)
        {
            await body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), ct).ConfigureAwait(false);
        }

        await body.WriteAsync(Encoding.UTF8.GetBytes(tail), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A JSON-RPC error (-32603) whose message is <c>huge error</c>, a line break and <paramref name="size"/> bytes of
    /// text, and whose data is <c>{"detail":...}</c> with the same text, written as it goes.
    /// </summary>
    private static async Task WriteHugeErrorAsync(HttpContext context, string id, long size, bool eventStream)
    {
        var ct = context.RequestAborted;
        if (eventStream)
        {
            StartEvents(context);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
        }

        var body = context.Response.Body;
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'e');
        async Task TextAsync()
        {
            for (var left = size; left > 0; left -= chunk.Length)
            {
                await body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), ct).ConfigureAwait(false);
            }
        }

        await body.WriteAsync(Encoding.UTF8.GetBytes((eventStream ? "data: " : string.Empty) + "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32603,\"message\":\"huge error\\n"), ct).ConfigureAwait(false);
        await TextAsync().ConfigureAwait(false);
        await body.WriteAsync("\",\"data\":{\"detail\":\""u8.ToArray(), ct).ConfigureAwait(false);
        await TextAsync().ConfigureAwait(false);
        await body.WriteAsync(Encoding.UTF8.GetBytes("\"}}}" + (eventStream ? "\n\n" : string.Empty)), ct).ConfigureAwait(false);
    }

    /// <summary>An event whose <c>data:</c> line never ends: written until the client goes away (or 2 GB, a safety stop).</summary>
    private async Task WriteEndlessAsync(HttpContext context)
    {
        StartEvents(context);
        var ct = context.RequestAborted;
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        try
        {
            await context.Response.WriteAsync("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"", ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested && Interlocked.Read(ref _bytesWritten) < 2L << 30)
            {
                await context.Response.Body.WriteAsync(chunk, ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytesWritten, chunk.Length);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client stopped reading: what it was meant to do.
        }
    }

    private static void StartEvents(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }
}
