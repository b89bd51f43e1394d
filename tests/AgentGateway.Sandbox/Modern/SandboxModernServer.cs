using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox.Modern;

/// <summary>
/// A hand-written MCP server that speaks 2026-07-28 only, as that revision allows: no <c>initialize</c> (answered with
/// -32601, or HTTP 400 and -32022 with the one version it supports), no session, <c>server/discover</c> naming
/// 2026-07-28 alone. It checks what the revision asks of a client's headers: <c>Mcp-Method</c> (and <c>Mcp-Name</c> for
/// tools/call) must match the body, and an argument whose schema names an <c>x-mcp-header</c> must be mirrored in its
/// <c>Mcp-Param-*</c> header; anything else is refused before the tool runs with -32020 (counted:
/// <see cref="SandboxServerStatsSnapshot.HeaderMismatches"/>). Its listings say <c>ttlMs: 0</c>. Tools: <c>echo</c>;
/// <c>route</c> (<c>region</c>, mirrored as <c>Mcp-Param-Region</c> while <see cref="RegionHeader"/> is on); <c>change</c>
/// (answers on an event stream that first carries <c>notifications/tools/list_changed</c>); <c>later</c> (a result whose
/// <c>resultType</c> is one no client knows).
/// </summary>
/// <param name="name">Its <c>serverInfo.name</c>.</param>
/// <param name="stats">Where it counts what it refused.</param>
/// <param name="initializeAsHttp400">True: <c>initialize</c> gets HTTP 400 and -32022; false: -32601 (method not found).</param>
internal sealed class SandboxModernServer(string name, SandboxStats stats, bool initializeAsHttp400)
{
    public const string Revision = "2026-07-28";

    private int _regionHeader = 1;

    /// <summary>Whether <c>route</c>'s <c>region</c> is listed with <c>x-mcp-header: Region</c> and its header required.</summary>
    public bool RegionHeader
    {
        get => Volatile.Read(ref _regionHeader) != 0;
        set => Volatile.Write(ref _regionHeader, value ? 1 : 0);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed; // no session, no stream to GET or DELETE
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, -32700, "Parse error").ConfigureAwait(false);
            return;
        }

        if (body is not JsonObject message || message["method"] is not JsonValue methodNode || !methodNode.TryGetValue<string>(out var method))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = message["id"]?.DeepClone();
        var parameters = message["params"] as JsonObject;
        if (context.Request.Headers["Mcp-Method"].ToString() != method)
        {
            await MismatchAsync(context, id, $"Mcp-Method header does not match the body's method '{method}'").ConfigureAwait(false);
            return;
        }

        if (id is null)
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted; // a notification
            return;
        }

        switch (method)
        {
            case "initialize" when initializeAsHttp400:
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, id, -32022, "Unsupported protocol version",
                    new JsonObject { ["supported"] = new JsonArray(Revision), ["requested"] = parameters?["protocolVersion"]?.DeepClone() }).ConfigureAwait(false);
                return;
            case "initialize":
                await WriteErrorAsync(context, StatusCodes.Status200OK, id, -32601, "Method not found: initialize").ConfigureAwait(false);
                return;
            case "server/discover":
                await WriteAsync(context, Reply(id, new JsonObject
                {
                    ["supportedVersions"] = new JsonArray(Revision),
                    ["capabilities"] = new JsonObject { ["tools"] = new JsonObject { ["listChanged"] = true } },
                    ["instructions"] = $"{name}: 2026-07-28 only.",
                    ["_meta"] = new JsonObject { ["io.modelcontextprotocol/serverInfo"] = new JsonObject { ["name"] = name, ["version"] = "1.0.0" } },
                })).ConfigureAwait(false);
                return;
            case "tools/list":
                await WriteAsync(context, Reply(id, new JsonObject { ["tools"] = Tools(), ["ttlMs"] = 0, ["resultType"] = "complete" })).ConfigureAwait(false);
                return;
            case "tools/call":
                await CallAsync(context, id, parameters).ConfigureAwait(false);
                return;
            case "ping":
                await WriteAsync(context, Reply(id, [])).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, StatusCodes.Status200OK, id, -32601, $"Method not found: {method}").ConfigureAwait(false);
                return;
        }
    }

    private async Task CallAsync(HttpContext context, JsonNode id, JsonObject? parameters)
    {
        var tool = parameters?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : null;
        var arguments = parameters?["arguments"] as JsonObject ?? [];
        if (context.Request.Headers["Mcp-Name"].ToString() != tool)
        {
            await MismatchAsync(context, id, "Mcp-Name header does not match the tool called").ConfigureAwait(false);
            return;
        }

        string Text(string property) => arguments[property] is JsonValue v && v.TryGetValue<string>(out var t) ? t : string.Empty;
        switch (tool)
        {
            case "echo":
                await WriteAsync(context, Reply(id, TextResult(Text("message")))).ConfigureAwait(false);
                return;
            case "route":
                var region = Text("region");
                if (RegionHeader && context.Request.Headers["Mcp-Param-Region"].ToString() != region)
                {
                    await MismatchAsync(context, id, "Mcp-Param-Region header is missing or does not match the argument 'region'").ConfigureAwait(false);
                    return;
                }

                await WriteAsync(context, Reply(id, TextResult($"{region}: {Text("message")}"))).ConfigureAwait(false);
                return;
            case "change":
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/event-stream";
                var changed = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/tools/list_changed" };
                await context.Response.WriteAsync($"event: message\ndata: {changed.ToJsonString()}\n\n", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                await context.Response.WriteAsync($"event: message\ndata: {Reply(id, TextResult("changed")).ToJsonString()}\n\n", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
                return;
            case "later":
                var result = TextResult("not yet");
                result["resultType"] = "deferred";
                await WriteAsync(context, Reply(id, result)).ConfigureAwait(false);
                return;
            case "refuse":
                await MismatchAsync(context, id, "Mcp-Param-Ticket header is required").ConfigureAwait(false);
                return;
            case "needs-sampling":
                await WriteErrorAsync(context, StatusCodes.Status200OK, id, -32021, "Missing required client capability: sampling",
                    new JsonObject { ["requiredCapabilities"] = new JsonObject { ["sampling"] = new JsonObject() } }).ConfigureAwait(false);
                return;
            case "revision-gone":
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, id, -32022, "Unsupported protocol version",
                    new JsonObject { ["supported"] = new JsonArray(Revision), ["requested"] = "2026-07-28" }).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, StatusCodes.Status200OK, id, -32602, $"Unknown tool: {tool}").ConfigureAwait(false);
                return;
        }
    }

    private JsonArray Tools()
    {
        var region = new JsonObject { ["type"] = "string", ["description"] = "Where to route." };
        if (RegionHeader)
        {
            region["x-mcp-header"] = "Region";
        }

        return
        [
            Tool("echo", "Returns the message unchanged.", new JsonObject { ["message"] = new JsonObject { ["type"] = "string" } }, "message"),
            Tool("route", "Routes the message to a region (the region travels in a header too).", new JsonObject { ["region"] = region, ["message"] = new JsonObject { ["type"] = "string" } }, "region"),
            Tool("change", "Changes the tool list and says so (notifications/tools/list_changed) before its result.", [], null),
            Tool("later", "Answers with a result type no client knows.", [], null),
            Tool("refuse", "Always refused for its headers (-32020), before it runs.", [], null),
            Tool("needs-sampling", "Refused: the server requires the sampling capability of the client (-32021).", [], null),
            Tool("revision-gone", "Refused: the server says it does not support the request's revision (HTTP 400, -32022).", [], null),
        ];
    }

    private static JsonObject Tool(string name, string description, JsonObject properties, string? required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required is not null)
        {
            schema["required"] = new JsonArray(required);
        }

        return new JsonObject { ["name"] = name, ["description"] = description, ["inputSchema"] = schema };
    }

    private Task MismatchAsync(HttpContext context, JsonNode? id, string why)
    {
        stats.Server(name).AddHeaderMismatch();
        return WriteErrorAsync(context, StatusCodes.Status400BadRequest, id, -32020, $"Header mismatch: {why}");
    }

    private static JsonObject TextResult(string text) => new()
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        ["resultType"] = "complete",
    };

    private static JsonObject Reply(JsonNode id, JsonObject result) => new() { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };

    private static Task WriteErrorAsync(HttpContext context, int status, JsonNode? id, int code, string message, JsonObject? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = error }.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }

    private static Task WriteAsync(HttpContext context, JsonObject message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(message.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }
}
