using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox;

/// <summary>
/// Hand-written JSON-RPC servers (like <see cref="SandboxLegacyServer"/>) that list what an SDK server never would:
/// <c>sandbox-hostile-schemas</c> lists usable tools between tools whose inputSchema is hostile or unusable (a
/// <c>$ref</c> loop that overflowed JsonSchema.Net's stack and ended the process, <c>$ref</c>s that multiply, a chain
/// of references deeper than the stack, non-object schemas, a <c>type</c> of 5, an empty property name, an entry
/// without a name, patterns that backtrack without end, an inputSchema and an outputSchema nested deeper than the SDK's
/// reader goes), and answers every tools/call with the arguments it got
/// (<c>{"name":...,"arguments":...}</c> as text), so a test sees what was sent; <c>sandbox-silent</c> never answers
/// anything it is sent (an <c>initialize</c> waits until the client gives up). Routed by the gateway like the
/// revision servers, not named by the credentials.
/// </summary>
public sealed class HostileSchemaServer
{
    public const string HostileName = "sandbox-hostile-schemas";
    public const string SilentName = "sandbox-silent";
    private const string ProtocolVersion = "2025-06-18";

    private readonly bool _silent;

    private HostileSchemaServer(bool silent) => _silent = silent;

    /// <summary>
    /// The usable tools <c>sandbox-hostile-schemas</c> lists, in order. Besides them, <c>empty-property</c> is usable to
    /// the engine, but a PowerShell object cannot have a property whose name is empty.
    /// </summary>
    public static IReadOnlyList<string> UsableTools { get; } = ["echo", "match", "match-keys", "recursive", "odd-fields", "deep-output"];

    /// <summary>The tools <c>sandbox-hostile-schemas</c> lists whose inputSchema is unusable (the entry without a name is not among them).</summary>
    public static IReadOnlyList<string> UnusableTools { get; } =
        ["loop-root", "loop-defs", "loop-anyof", "deep-refs", "ref-bomb", "schema-string", "schema-null", "schema-array", "schema-true", "schema-type-5", "dangling-ref", "deep-schema"];

    /// <summary>How deep the deep-schema and deep-output tools' schemas nest: past the SDK's 64, so the reply does too.</summary>
    public const int DeepSchemaDepth = 200;

    // The replies nest deeper than System.Text.Json's default 64 (deep-schema, deep-output).
    private static readonly JsonSerializerOptions s_deepJson = new() { MaxDepth = 4 * DeepSchemaDepth };

    /// <summary>The two servers with their routes (ORD ids under the given tenant).</summary>
    public static IEnumerable<(SandboxDependency Dependency, Func<HttpContext, Task> Handle)> Create(string globalTenantId) =>
    [
        (new SandboxDependency("sap.sandbox:mcpServer:hostile-schemas:v1", globalTenantId, HostileName) { Kind = SandboxServerKind.Legacy }, new HostileSchemaServer(silent: false).HandleAsync),
        (new SandboxDependency("sap.sandbox:mcpServer:silent:v1", globalTenantId, SilentName) { Kind = SandboxServerKind.Legacy }, new HostileSchemaServer(silent: true).HandleAsync),
    ];

    public async Task HandleAsync(HttpContext context)
    {
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
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

        if (body is not JsonObject message || message["method"] is not JsonValue methodValue || !methodValue.TryGetValue<string>(out var method) || !message.ContainsKey("id"))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        if (_silent)
        {
            // Holds the request open, saying nothing, until the client gives up.
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

        var id = message["id"]!.DeepClone();
        var result = method switch
        {
            "initialize" => Initialize(context),
            "tools/list" => new JsonObject { ["tools"] = Tools() },
            "tools/call" => Echo(message["params"] as JsonObject),
            _ => [],
        };
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var reply = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };
        await context.Response.WriteAsync(reply.ToJsonString(s_deepJson), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject Initialize(HttpContext context)
    {
        context.Response.Headers["Mcp-Session-Id"] = Guid.NewGuid().ToString("N");
        return new JsonObject
        {
            ["protocolVersion"] = ProtocolVersion,
            ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
            ["serverInfo"] = new JsonObject { ["name"] = HostileName, ["version"] = "6.6.6" },
        };
    }

    /// <summary>What a call got: its tool's name and its arguments, as text.</summary>
    private static JsonObject Echo(JsonObject? parameters)
    {
        var got = new JsonObject { ["name"] = parameters?["name"]?.DeepClone(), ["arguments"] = parameters?["arguments"]?.DeepClone() };
        return new JsonObject { ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = got.ToJsonString() }) };
    }

    /// <summary>The listing: usable tools between unusable ones, each entry as raw JSON (no SDK type would hold them).</summary>
    private static JsonArray Tools() =>
    [
        Tool("echo", """{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"""),
        Tool("loop-root", """{"type":"object","$ref":"#"}"""),
        Tool("match", """{"type":"object","properties":{"value":{"type":"string","pattern":"^(a+)+$"}},"required":["value"]}"""),
        Tool("loop-defs", """{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}},"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}}}"""),
        Tool("match-keys", """{"type":"object","patternProperties":{"^(x+x+)+y$":{"type":"string"}}}"""),
        Tool("loop-anyof", """{"type":"object","properties":{"n":{"type":"integer"}},"anyOf":[{"required":["n"]},{"$ref":"#"}]}"""),
        Tool("deep-refs", Chain(300)),
        Tool("ref-bomb", Doubling(24)),
        Tool("schema-string", "\"object\""),
        Tool("schema-null", "null"),
        Tool("recursive", """{"type":"object","properties":{"label":{"type":"string"},"child":{"$ref":"#"}}}""", outputSchema: "\"not a schema\""),
        Tool("schema-array", "[]"),
        Tool("schema-true", "true"),
        Tool("schema-type-5", """{"type":5,"properties":{"a":{"type":"string"}}}"""),
        Tool("empty-property", """{"type":"object","properties":{"":{"type":"string"},"b":{"type":"string"}}}"""),
        JsonNode.Parse("""{"description":"An entry without a name.","inputSchema":{"type":"object"}}""")!,
        Tool("dangling-ref", """{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}"""),
        Tool("odd-fields", """{"type":"object","properties":{"a":{"type":"string"}}}""", title: "7", annotations: """{"title":1,"readOnlyHint":"yes","destructiveHint":false}"""),
        Tool("deep-schema", Nested(DeepSchemaDepth)),
        Tool("deep-output", """{"type":"object","properties":{"message":{"type":"string"}}}""", outputSchema: Nested(DeepSchemaDepth)),
    ];

    private static JsonNode Tool(string name, string inputSchema, string? outputSchema = null, string? title = null, string? annotations = null)
    {
        var tool = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"Hostile schema test tool '{name}'.",
            ["inputSchema"] = Parse(inputSchema),
        };
        if (outputSchema is not null)
        {
            tool["outputSchema"] = Parse(outputSchema);
        }

        if (title is not null)
        {
            tool["title"] = JsonNode.Parse(title); // a number where a string belongs
        }

        if (annotations is not null)
        {
            tool["annotations"] = JsonNode.Parse(annotations);
        }

        return tool;
    }

    private static JsonNode? Parse(string json) => JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 4 * DeepSchemaDepth });

    /// <summary>An object schema whose JSON nests <paramref name="depth"/> levels: properties within properties.</summary>
    private static string Nested(int depth)
    {
        var text = new StringBuilder();
        var levels = depth / 2;
        for (var i = 0; i < levels; i++)
        {
            text.Append("""{"type":"object","properties":{"a":""");
        }

        text.Append("""{"type":"string"}""");
        text.Append('}', 2 * levels);
        return text.ToString();
    }

    /// <summary>Definitions each referring to the next through a property: deeper than a thread's stack once followed.</summary>
    private static string Chain(int length)
    {
        var defs = new JsonObject();
        for (var i = 0; i < length; i++)
        {
            defs[D(i)] = new JsonObject { ["properties"] = new JsonObject { ["x"] = new JsonObject { ["$ref"] = $"#/$defs/{D(i + 1)}" } } };
        }

        defs[D(length)] = new JsonObject { ["type"] = "string" };
        return new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = new JsonObject { ["$ref"] = "#/$defs/d0" } }, ["$defs"] = defs }.ToJsonString();
    }

    /// <summary>Definitions each applying the next twice (allOf): 2^levels applications of one value.</summary>
    private static string Doubling(int levels)
    {
        var defs = new JsonObject();
        for (var i = 0; i < levels; i++)
        {
            defs[D(i)] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = $"#/$defs/{D(i + 1)}" }, new JsonObject { ["$ref"] = $"#/$defs/{D(i + 1)}" }) };
        }

        defs[D(levels)] = new JsonObject { ["type"] = "string" };
        return new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["x"] = new JsonObject { ["$ref"] = "#/$defs/d0" } }, ["$defs"] = defs }.ToJsonString();
    }

    private static string D(int i) => "d" + i.ToString(CultureInfo.InvariantCulture);
}
