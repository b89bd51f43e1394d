using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Mcp;

/// <summary>One MCP server to talk to: its endpoint URL and, when it is a gateway dependency, which one.</summary>
public sealed record McpTarget
{
    public McpTarget(Uri url, IntegrationDependency? dependency = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The MCP endpoint '{url}' is not an absolute http(s) URL.", nameof(url));
        }

        Url = url;
        Dependency = dependency;
    }

    public Uri Url { get; }

    public IntegrationDependency? Dependency { get; }

    /// <summary>The gateway endpoint of <paramref name="dependency"/> (see <see cref="McpEndpoints.Build(string, IntegrationDependency)"/>).</summary>
    public static McpTarget ForDependency(string gatewayUrl, IntegrationDependency dependency) =>
        new(McpEndpoints.Build(gatewayUrl, dependency), dependency);

    /// <summary>Where a listed tool lives: its endpoint and, when it came from a gateway dependency, that dependency.</summary>
    public static McpTarget ForTool(McpToolInfo tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return new(tool.Url, tool.OrdId is null ? null : new IntegrationDependency(tool.OrdId, tool.GlobalTenantId ?? string.Empty));
    }

    public override string ToString() =>
        Dependency is null ? Url.ToString() : $"{Dependency.OrdId}/{Dependency.GlobalTenantId} ({Url})";
}
