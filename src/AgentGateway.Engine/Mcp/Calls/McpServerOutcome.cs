namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>The outcome of one server in a listing of many: what it listed, or why it failed.</summary>
internal sealed record McpServerOutcome<T>(McpTarget Target, T? Value, McpGatewayException? Error)
    where T : class
{
    public bool Succeeded => Error is null;
}
