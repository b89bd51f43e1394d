using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

public sealed class McpTextContent : McpContent
{
    private string? _text;

    internal McpTextContent(JsonElement raw)
        : base("text", raw)
    {
    }

    /// <summary>The text (made from the raw block when first read).</summary>
    public string Text => _text ??= GetString(Raw, "text") ?? string.Empty;

    public override string ToString() => Text;
}
