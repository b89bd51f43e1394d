using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>
/// Two servers whose tools have every inputSchema shape Import-McpTool maps (opt-in: <see cref="SandboxOptions.ShapeServers"/>,
/// process mode <c>--shape-servers</c>). Each tool echoes the arguments it received, as inspect-arguments does.
/// Tool names mix dashes, dots, underscores and camelCase; both servers have a tool named <c>describe</c>, and
/// <c>get-date</c> meets PowerShell's own Get-Date.
/// </summary>
internal static class SandboxShapeServers
{
    /// <summary>Every shape: required and optional booleans, enum, date-time, integer vs number with ranges, array of strings, nested object, array of objects, awkward names.</summary>
    internal const string AllShapesSchema = """
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "description": "The order's name." },
            "count": { "type": "integer", "description": "How many.", "minimum": 1, "maximum": 100, "default": 10 },
            "ratio": { "type": "number", "description": "A share between 0 and 1.", "minimum": 0, "maximum": 1 },
            "active": { "type": "boolean", "description": "Whether the order is active." },
            "dryRun": { "type": "boolean", "description": "Only pretend." },
            "priority": { "type": "string", "enum": ["Low", "Normal", "High"], "description": "How urgent." },
            "when": { "type": "string", "format": "date-time", "description": "When it is due." },
            "tags": { "type": "array", "items": { "type": "string" }, "description": "Labels." },
            "sizes": { "type": "array", "items": { "type": "string", "enum": ["S", "M", "L"] }, "description": "Sizes to ship." },
            "address": {
              "type": "object",
              "description": "Where it goes.",
              "properties": { "street": { "type": "string" }, "city": { "type": "string" }, "zip": { "type": "string" } },
              "required": ["street", "city"]
            },
            "lines": {
              "type": "array",
              "description": "Order lines.",
              "items": {
                "type": "object",
                "properties": { "sku": { "type": "string" }, "quantity": { "type": "integer", "minimum": 1 } },
                "required": ["sku", "quantity"]
              }
            },
            "Verbose": { "type": "string", "description": "A property named like a common parameter." },
            "first-name": { "type": "string", "description": "A name with a dash." },
            "geo.lat": { "type": "number", "description": "A name with a dot." },
            "customer_id": { "type": "string", "description": "A name with an underscore." },
            "input": { "type": "string", "description": "A name PowerShell keeps for an automatic variable." },
            "timeoutSec": { "type": "integer", "description": "A name every tool command has a parameter for." },
            "2fa": { "type": "boolean", "description": "A name that starts with a digit." }
          },
          "required": ["name", "active"]
        }
        """;

    public static SandboxServer Shapes() => new(
        "sandbox-shapes",
        [
            Echoing("order.createDraft", "Creates a draft order (echoes every argument): every schema shape.", AllShapesSchema, "Create draft order"),
            Echoing("get-orderStatus", "Gets the status of an order.", """{"type":"object","properties":{"orderId":{"type":"string","description":"The order id."}},"required":["orderId"]}"""),
            Echoing("describe", "Describes the shapes server (the twin server has a tool of the same name).", """{"type":"object","properties":{}}"""),
            Echoing("get-date", "Gets the server's date (its command name meets PowerShell's Get-Date).", """{"type":"object","properties":{"zone":{"type":"string"}}}"""),
        ],
        pageSize: null,
        "Tools with every inputSchema shape, for Import-McpTool.");

    public static SandboxServer ShapesTwin() => new(
        "sandbox-shapes-twin",
        [
            Echoing("describe", "Describes the twin server.", """{"type":"object","properties":{"detail":{"type":"boolean","description":"More detail."}}}"""),
        ],
        pageSize: null,
        "A second server with a tool named like one of sandbox-shapes'.");

    /// <summary>A tool with exactly this inputSchema whose result is the arguments it received (structuredContent.arguments and as JSON text).</summary>
    private static McpServerTool Echoing(string name, string description, string inputSchema, string? title = null)
    {
        var tool = McpServerTool.Create(
            (RequestContext<CallToolRequestParams> request) =>
            {
                var arguments = new JsonObject();
                if (request.Params?.Arguments is { } args)
                {
                    foreach (var (key, value) in args)
                    {
                        arguments[key] = JsonNode.Parse(value.GetRawText());
                    }
                }

                return new CallToolResult
                {
                    Content = [new TextContentBlock { Text = arguments.ToJsonString() }],
                    StructuredContent = JsonSerializer.SerializeToElement(new JsonObject { ["tool"] = name, ["arguments"] = arguments }),
                };
            },
            new McpServerToolCreateOptions { Name = name, Description = description, Title = title });
        using var schema = JsonDocument.Parse(inputSchema);
        tool.ProtocolTool.InputSchema = schema.RootElement.Clone();
        return tool;
    }
}
