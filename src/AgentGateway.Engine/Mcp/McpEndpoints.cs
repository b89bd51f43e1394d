using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Mcp;

/// <summary>The MCP endpoint URL rules of the wire contract, and the origin rule of bearer tokens (the transport rule is <see cref="Http.TransportRule"/>).</summary>
internal static class McpEndpoints
{
    private const string McpPathSuffix = "/v1/mcp";

    /// <summary>
    /// <c>{gatewayUrl}/v1/mcp/{ordId}/{globalTenantId}</c>, or <c>{gatewayUrl}/{ordId}/{globalTenantId}</c>
    /// when <paramref name="gatewayUrl"/> already ends in <c>/v1/mcp</c>. Trailing slashes of the gateway URL
    /// are trimmed; the ORD id and tenant are escaped as URL path segments.
    /// </summary>
    public static Uri Build(string gatewayUrl, string ordId, string globalTenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(ordId);
        ArgumentException.ThrowIfNullOrWhiteSpace(globalTenantId);

        var trimmed = gatewayUrl.Trim().TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var gateway) || (gateway.Scheme != Uri.UriSchemeHttps && gateway.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The gateway URL '{gatewayUrl}' is not an absolute http(s) URL.", nameof(gatewayUrl));
        }

        var basePath = trimmed.EndsWith(McpPathSuffix, StringComparison.OrdinalIgnoreCase) ? trimmed : trimmed + McpPathSuffix;
        return new Uri($"{basePath}/{Uri.EscapeDataString(ordId)}/{Uri.EscapeDataString(globalTenantId)}", UriKind.Absolute);
    }

    /// <summary><see cref="Build(string, string, string)"/> for one integration dependency.</summary>
    public static Uri Build(string gatewayUrl, IntegrationDependency dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        return Build(gatewayUrl, dependency.OrdId, dependency.GlobalTenantId);
    }

    /// <summary>True when both URLs have the same scheme, host and port (the web origin).</summary>
    public static bool SameOrigin(Uri a, Uri b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;
    }
}
