using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>Audio: its MIME type and base64 data.</summary>
public sealed class McpAudioContent : McpMediaContent
{
    internal McpAudioContent(string mimeType, JsonElement raw)
        : base("audio", mimeType, raw)
    {
    }
}
