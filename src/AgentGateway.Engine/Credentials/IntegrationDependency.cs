namespace AgentGateway.Engine.Credentials;

/// <summary>One MCP server the agent may call: an ORD id and the tenant it lives in.</summary>
internal sealed record IntegrationDependency(string OrdId, string GlobalTenantId);
