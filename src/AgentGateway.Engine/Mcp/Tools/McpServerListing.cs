namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>The outcome of listing one server: its tools, or why it failed.</summary>
internal sealed record McpServerListing(McpTarget Target, IReadOnlyList<McpToolInfo>? Tools, McpGatewayException? Error)
{
    public bool Succeeded => Error is null;
}
