using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// The result of one tools/call. Every content block is kept (unknown types as raw JSON);
/// <see cref="Text"/> joins the text blocks; <see cref="Raw"/> is the result exactly as received. The result is
/// held once, as UTF-8 JSON (<see cref="Raw"/>): the text of a block, and <see cref="Text"/>, are made from it
/// when first read (a large result that is never shown is never held as a string too).
/// </summary>
internal sealed class McpCallResult
{
    private string? _text;

    public required string Tool { get; init; }

    /// <summary>serverInfo.name of the server that ran the tool.</summary>
    public required string Server { get; init; }

    public required Uri Url { get; init; }

    public string? OrdId { get; init; }

    public string? GlobalTenantId { get; init; }

    /// <summary>True when the tool reported a failure (isError); the content says what.</summary>
    public bool IsError { get; init; }

    /// <summary>All text blocks, joined with a newline (made when first read; one block's text is that block's string).</summary>
    public string Text => _text ??= string.Join('\n', Content.OfType<McpTextContent>().Select(t => t.Text));

    public required IReadOnlyList<McpContent> Content { get; init; }

    public JsonElement? StructuredContent { get; init; }

    /// <summary>The JSON-RPC result object, raw.</summary>
    public JsonElement Raw { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The MCP revision the call was made with.</summary>
    public string? ProtocolVersion { get; init; }

    public override string ToString() => Text;

    /// <summary>Maps a raw tools/call result; malformed or unknown blocks become <see cref="McpUnknownContent"/>, never an exception.</summary>
    public static McpCallResult FromJson(JsonElement raw, string tool, string server, McpTarget target, TimeSpan duration, string? protocolVersion = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var content = new List<McpContent>();
        var isError = false;
        JsonElement? structured = null;

        if (raw.ValueKind == JsonValueKind.Object)
        {
            if (raw.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in blocks.EnumerateArray())
                {
                    content.Add(McpContent.FromJson(block));
                }
            }

            isError = raw.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True;
            if (raw.TryGetProperty("structuredContent", out var s) && s.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                structured = s;
            }
        }

        return new McpCallResult
        {
            ProtocolVersion = protocolVersion,
            Tool = tool,
            Server = server,
            Url = target.Url,
            OrdId = target.Dependency?.OrdId,
            GlobalTenantId = target.Dependency?.GlobalTenantId,
            IsError = isError,
            Content = content,
            StructuredContent = structured,
            Raw = raw,
            Duration = duration,
        };
    }
}
