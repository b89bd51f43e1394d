using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Mcp;

/// <summary>One MCP server to talk to: its endpoint URL and, when it is a gateway dependency, which one.</summary>
internal sealed record McpTarget
{
    public McpTarget(Uri url, IntegrationDependency? dependency = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp && url.Scheme != Transport.McpLocalServer.Scheme))
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


    public override string ToString() =>
        Dependency is null ? Url.ToString() : $"{Dependency.OrdId}/{Dependency.GlobalTenantId} ({Url})";
}
