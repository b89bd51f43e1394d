using AgentGateway.Engine.Mcp.Resources;

namespace AgentGateway;

/// <summary>A resource or resource template of an MCP server, as Get-McpResource emits it; pipe it to Read-McpResource.</summary>
public sealed class McpResource
{
    internal McpResource(McpResourceInfo info) => Info = info;

    public string Name => Info.Name;

    public string? Title => Info.Title;

    public string? Description => Info.Description;

    /// <summary>The resource's URI, or a template's URI template.</summary>
    public string ResourceUri => Info.Uri ?? Info.UriTemplate ?? string.Empty;

    /// <summary>Whether this is a resource template: Read-McpResource fills its variables from -Arguments.</summary>
    public bool IsTemplate => Info.IsTemplate;

    /// <summary>The variables of a template, in order (none for a resource).</summary>
    public IReadOnlyList<string> Variables => Info.Variables;

    public string? MimeType => Info.MimeType;

    /// <summary>The size in bytes the server gives, when it does.</summary>
    public long? Size => Info.Size;

    /// <summary>The server's own name (serverInfo.name).</summary>
    public string ServerName => Info.ServerName;

    public string? OrdId => Info.OrdId;

    public string? GlobalTenantId => Info.GlobalTenantId;

    /// <summary>The MCP endpoint of the server.</summary>
    public Uri Url => Info.Url;

    public string? ProtocolVersion => Info.ProtocolVersion;

    internal McpResourceInfo Info { get; }

    public override string ToString() => Info.ToString();
}
