namespace AgentGateway.Sandbox;

/// <summary>An integration dependency the sandbox credentials name.</summary>
/// <param name="OrdId">The ORD id (first path segment after <c>/v1/mcp/</c>).</param>
/// <param name="GlobalTenantId">The global tenant id (second path segment).</param>
/// <param name="ServerName">The MCP <c>serverInfo.name</c> behind it, or null when the server is down.</param>
public sealed record SandboxDependency(string OrdId, string GlobalTenantId, string? ServerName)
{
    /// <summary>True for the dependency whose server is down (its route answers 503).</summary>
    public bool IsDown => ServerName is null;

    /// <summary>Tuple form, for callers that only need the two ids.</summary>
    public void Deconstruct(out string ordId, out string globalTenantId)
    {
        ordId = OrdId;
        globalTenantId = GlobalTenantId;
    }
}
