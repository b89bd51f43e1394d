using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox;

/// <summary>
/// A small hand-written Streamable HTTP JSON-RPC server that knows one revision, as servers written without an SDK
/// do: it answers every <c>initialize</c> with that revision (2025-03-26 unless told otherwise, whatever was asked)
/// and mints a session, answers a method it does not know with an empty result (<c>server/discover</c> too, unless
/// it is given another discovery answer), and does not insist on the session id. Its <c>resumable</c> tool answers on an SSE stream that closes before the result (an
/// event id and a <c>retry</c> delay), and serves the result on the GET that resumes the stream (Last-Event-ID);
/// its <c>stalled</c> tool does the same, but the resumed stream never brings the result.
/// </summary>
/// <param name="name">Its <c>serverInfo.name</c>.</param>
/// <param name="protocolVersion">The revision every <c>initialize</c> is answered with.</param>
/// <param name="discoverResult">The <c>result</c> of <c>server/discover</c>; null: an empty object, as for any unknown method.</param>
/// <param name="discoverStatus">When set, <c>server/discover</c> is answered with this HTTP status and no body instead.</param>
internal sealed class SandboxLegacyServer(string name, string protocolVersion = SandboxLegacyServer.ProtocolVersion, JsonNode? discoverResult = null, int? discoverStatus = null)
{
    public const string ProtocolVersion = "2025-03-26";

    /// <summary>Its <c>serverInfo.name</c>.</summary>
    public string Name => name;

    /// <summary>The <c>retry</c> the resumable stream names.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(300);

    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);

    // The result of a resumable call, waiting for the GET that resumes its stream, by the last event id sent.
    private static readonly JsonObject s_stalled = [];

    private readonly ConcurrentDictionary<string, JsonObject> _pending = new(StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length > 0 && !_sessions.ContainsKey(sessionId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            _sessions.TryRemove(sessionId, out _);
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            await ResumeAsync(context).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
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

        if (body is not JsonObject message || message["method"]?.GetValue<string>() is not { } method)
        {
            // A response or something else: accepted, nothing to say.
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        if (!message.ContainsKey("id"))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = message["id"]!.DeepClone();
        var parameters = message["params"] as JsonObject;
        switch (method)
        {
            case "initialize":
                var minted = Guid.NewGuid().ToString("N");
                _sessions[minted] = 0;
                context.Response.Headers["Mcp-Session-Id"] = minted;
                await WriteJsonAsync(context, Result(id, new JsonObject
                {
                    ["protocolVersion"] = protocolVersion,
                    ["capabilities"] = new JsonObject { ["tools"] = new JsonObject(), ["logging"] = new JsonObject() },
                    ["serverInfo"] = new JsonObject { ["name"] = name, ["version"] = "0.3.1" },
                })).ConfigureAwait(false);
                return;
            case "tools/list":
                await WriteJsonAsync(context, Result(id, new JsonObject { ["tools"] = Tools() })).ConfigureAwait(false);
                return;
            case "tools/call":
                await CallAsync(context, id, parameters).ConfigureAwait(false);
                return;
            case "server/discover" when discoverStatus is { } status:
                context.Response.StatusCode = status;
                return;
            case "server/discover" when discoverResult is not null:
                await WriteJsonAsync(context, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = discoverResult.DeepClone() }).ConfigureAwait(false);
                return;
            default:
                // What small hand-written servers do with a method they do not know (ping is answered the same way).
                await WriteJsonAsync(context, Result(id, [])).ConfigureAwait(false);
                return;
        }
    }

    private async Task CallAsync(HttpContext context, JsonNode id, JsonObject? parameters)
    {
        var tool = parameters?["name"]?.GetValue<string>();
        var text = (parameters?["arguments"] as JsonObject)?["message"]?.GetValue<string>() ?? string.Empty;
        switch (tool)
        {
            case "echo":
                await WriteJsonAsync(context, Result(id, TextResult(text))).ConfigureAwait(false);
                return;
            case "resumable":
            case "stalled":
                // The stream says where it is (an event id) and when to come back (retry), then closes before the result.
                var stream = Guid.NewGuid().ToString("N");
                var firstEvent = $"{stream}-1";
                _pending[firstEvent] = tool == "stalled" ? s_stalled : Result(id, TextResult($"resumed: {text}"));
                var log = new JsonObject
                {
                    ["jsonrpc"] = "2.0",
                    ["method"] = "notifications/message",
                    ["params"] = new JsonObject { ["level"] = "info", ["logger"] = "resumable", ["data"] = "the stream closes now; the result follows on the resumed stream" },
                };
                StartEventStream(context);
                await context.Response.WriteAsync(
                    $"id: {firstEvent}\nretry: {(int)RetryDelay.TotalMilliseconds}\ndata: {log.ToJsonString()}\n\n",
                    context.RequestAborted).ConfigureAwait(false);
                return;
            default:
                await WriteJsonAsync(context, new JsonObject
                {
                    ["jsonrpc"] = "2.0",
                    ["id"] = id,
                    ["error"] = new JsonObject { ["code"] = -32602, ["message"] = $"Unknown tool: {tool}" },
                }).ConfigureAwait(false);
                return;
        }
    }

    private async Task ResumeAsync(HttpContext context)
    {
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length == 0 || !_pending.TryRemove(lastEventId, out var result))
        {
            // No standalone stream here.
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        StartEventStream(context);
        if (ReferenceEquals(result, s_stalled))
        {
            // The resumed stream stays open and silent until the client gives up.
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }

            return;
        }

        var next = lastEventId[..lastEventId.LastIndexOf('-')] + "-2";
        await context.Response.WriteAsync($"id: {next}\ndata: {result.ToJsonString()}\n\n", context.RequestAborted).ConfigureAwait(false);
    }

    private static void StartEventStream(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    private static JsonArray Tools() =>
    [
        Tool("echo", "Returns the message unchanged."),
        Tool("resumable", "Answers on an SSE stream that closes before the result; the result comes on the resumed stream."),
        Tool("stalled", "Like resumable, but the resumed stream never brings the result."),
    ];

    private static JsonObject Tool(string toolName, string description) => new()
    {
        ["name"] = toolName,
        ["description"] = description,
        ["inputSchema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["message"] = new JsonObject { ["type"] = "string", ["description"] = "The text to send back." } },
            ["required"] = new JsonArray("message"),
        },
    };

    private static JsonObject TextResult(string text) => new()
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
    };

    private static JsonObject Result(JsonNode id, JsonObject result) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["result"] = result,
    };

    private static Task WriteJsonAsync(HttpContext context, JsonObject message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(message.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }
}
