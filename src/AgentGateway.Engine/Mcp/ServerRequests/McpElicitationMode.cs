namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>How a server asks: a form the client fills in, or a URL the user opens (out of band).</summary>
internal enum McpElicitationMode
{
    Form,
    Url,
}
