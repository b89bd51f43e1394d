namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>The user's (or script's) answer to an elicitation.</summary>
public enum McpElicitationAction
{
    Accept,
    Decline,
    Cancel,
}
