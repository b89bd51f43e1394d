namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>The outcome of one server in a listing of many: what it listed, or why it failed.</summary>
public sealed record McpServerOutcome<T>(McpTarget Target, T? Value, McpGatewayException? Error)
    where T : class
{
    public bool Succeeded => Error is null;
}
