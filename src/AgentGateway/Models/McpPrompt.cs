using AgentGateway.Engine.Mcp.Prompts;

namespace AgentGateway;

/// <summary>A prompt of an MCP server, as Get-McpPrompt emits it; pipe it to Get-McpPromptMessage.</summary>
public sealed class McpPrompt
{
    internal McpPrompt(McpPromptInfo info) => Info = info;

    public string Name => Info.Name;

    public string? Title => Info.Title;

    public string? Description => Info.Description;

    /// <summary>The prompt's arguments (Name, Title, Description, Required), in the server's order.</summary>
    public IReadOnlyList<McpPromptArgument> Arguments => Info.Arguments;

    /// <summary>The server's own name (serverInfo.name).</summary>
    public string ServerName => Info.ServerName;

    public string? OrdId => Info.OrdId;

    public string? GlobalTenantId => Info.GlobalTenantId;

    /// <summary>The MCP endpoint of the server.</summary>
    public Uri Url => Info.Url;

    public string? ProtocolVersion => Info.ProtocolVersion;

    internal McpPromptInfo Info { get; }

    public override string ToString() => Info.ToString();
}
