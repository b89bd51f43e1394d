namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>The user's (or script's) answer to an elicitation.</summary>
internal enum McpElicitationAction
{
    Accept,
    Decline,
    Cancel,
}
