namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>One choice of an enum field: the value sent, and the title shown.</summary>
internal sealed record McpElicitationChoice(string Value, string Title);
