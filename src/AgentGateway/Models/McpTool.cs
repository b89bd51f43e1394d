using System.Text.Json;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Infrastructure;

namespace AgentGateway;

/// <summary>A tool of an MCP server, as Get-McpTool emits it; pipe it to Invoke-McpTool.</summary>
public sealed class McpTool
{
    private object? _inputSchema;
    private object? _outputSchema;
    private bool _schemasMade;

    internal McpTool(McpToolInfo info) => Info = info;

    public string Name => Info.Name;

    public string? Title => Info.Title;

    public string? Description => Info.Description;

    /// <summary>The server's own name (serverInfo.name).</summary>
    public string ServerName => Info.ServerName;

    public string? OrdId => Info.OrdId;

    public string? GlobalTenantId => Info.GlobalTenantId;

    /// <summary>The MCP endpoint of the server.</summary>
    public Uri Url => Info.Url;

    /// <summary>The JSON Schema of the arguments, as PowerShell objects (made when first read: a listing of thousands of tools need not pay for it).</summary>
    public object? InputSchema => MakeSchemas()._inputSchema;

    /// <summary>The JSON Schema of the arguments, as JSON text.</summary>
    public string InputSchemaJson => Info.InputSchema.ValueKind == JsonValueKind.Undefined ? "{}" : Info.InputSchema.GetRawText();

    /// <summary>The JSON Schema of the structured result, when the tool declares one.</summary>
    public object? OutputSchema => MakeSchemas()._outputSchema;

    public string? OutputSchemaJson => Info.OutputSchema?.GetRawText();

    public McpToolAnnotations? Annotations => Info.Annotations;

    /// <summary>The MCP revision negotiated with the tool's server (for example 2025-11-25, or 2026-07-28 without a session).</summary>
    public string? ProtocolVersion => Info.ProtocolVersion;

    internal McpToolInfo Info { get; }

    public override string ToString() => Info.ToString();

    private McpTool MakeSchemas()
    {
        if (!_schemasMade)
        {
            _inputSchema = PowerShellJson.ToPowerShell(Info.InputSchema);
            _outputSchema = PowerShellJson.ToPowerShell(Info.OutputSchema);
            _schemasMade = true;
        }

        return this;
    }
}
