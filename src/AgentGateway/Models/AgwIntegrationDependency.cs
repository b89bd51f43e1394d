namespace AgentGateway;

/// <summary>One MCP server the credentials may call (AgwClientConfig.Dependencies): its ORD id and tenant.</summary>
public sealed class AgwIntegrationDependency
{
    internal AgwIntegrationDependency(string ordId, string globalTenantId)
    {
        OrdId = ordId;
        GlobalTenantId = globalTenantId;
    }

    public string OrdId { get; }

    public string GlobalTenantId { get; }

    /// <summary>The ORD id: what a list of dependencies shows.</summary>
    public override string ToString() => OrdId;
}
