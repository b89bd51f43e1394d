namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>
/// Answers what a server asks during a call. The cmdlet layer implements it (prompts through the host, or runs
/// the caller's handler) and sets it for the call with <see cref="McpInteraction.Use"/>; the engine calls it
/// from a background thread.
/// </summary>
internal interface IMcpCallInteraction
{
    /// <summary>Answers an <c>elicitation/create</c>; <paramref name="cancellationToken"/> ends when the call does.</summary>
    Task<McpElicitationAnswer> ElicitAsync(McpElicitation request, CancellationToken cancellationToken);
}
