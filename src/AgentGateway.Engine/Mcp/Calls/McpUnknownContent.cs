using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>A block of a type this client does not know (or a malformed one), kept as raw JSON.</summary>
public sealed class McpUnknownContent : McpContent
{
    internal McpUnknownContent(string type, JsonElement raw)
        : base(type, raw)
    {
    }

    public override string ToString() => Raw.GetRawText();
}
