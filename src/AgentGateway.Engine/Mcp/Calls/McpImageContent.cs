using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>An image: its MIME type and base64 data.</summary>
public sealed class McpImageContent : McpMediaContent
{
    internal McpImageContent(string mimeType, JsonElement raw)
        : base("image", mimeType, raw)
    {
    }
}
