using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp;

/// <summary>One tool as a server lists it, with where it lives.</summary>
public sealed class McpToolInfo
{
    private readonly Lazy<ToolInputSchema?> _argumentSchema;

    public McpToolInfo() => _argumentSchema = new(() => ToolInputSchema.Build(InputSchema));

    public required string Name { get; init; }

    /// <summary>The tool's title, or its annotations' title, when given.</summary>
    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>serverInfo.name from initialize.</summary>
    public required string ServerName { get; init; }

    /// <summary>The ORD id when the tool came from a gateway dependency.</summary>
    public string? OrdId { get; init; }

    /// <summary>The global tenant id when the tool came from a gateway dependency.</summary>
    public string? GlobalTenantId { get; init; }

    /// <summary>The MCP endpoint the tool is called through.</summary>
    public required Uri Url { get; init; }

    /// <summary>The input JSON schema, raw.</summary>
    public JsonElement InputSchema { get; init; }

    /// <summary>The output JSON schema, raw, when the tool declares one.</summary>
    public JsonElement? OutputSchema { get; init; }

    public McpToolAnnotations? Annotations { get; init; }

    /// <summary>
    /// <see cref="InputSchema"/> built for argument checks on first use and kept with the tool (null: not enforced);
    /// see <see cref="ToolArgumentValidator"/>.
    /// </summary>
    internal ToolInputSchema? ArgumentSchema => _argumentSchema.Value;

    /// <summary>The MCP revision the server was listed with (for example 2025-11-25, 2026-07-28).</summary>
    public string? ProtocolVersion { get; init; }

    public override string ToString() => $"{Name} ({ServerName})";

    internal static McpToolInfo From(Tool tool, string serverName, McpTarget target, string? protocolVersion = null) => new()
    {
        ProtocolVersion = protocolVersion,
        Name = tool.Name,
        Title = tool.Title ?? tool.Annotations?.Title,
        Description = tool.Description,
        ServerName = serverName,
        OrdId = target.Dependency?.OrdId,
        GlobalTenantId = target.Dependency?.GlobalTenantId,
        Url = target.Url,
        InputSchema = tool.InputSchema,
        OutputSchema = tool.OutputSchema,
        Annotations = tool.Annotations is { } a
            ? new McpToolAnnotations(a.Title, a.ReadOnlyHint, a.DestructiveHint, a.IdempotentHint, a.OpenWorldHint)
            : null,
    };
}

/// <summary>The behaviour hints a tool declares (all optional).</summary>
public sealed record McpToolAnnotations(string? Title, bool? ReadOnlyHint, bool? DestructiveHint, bool? IdempotentHint, bool? OpenWorldHint);

/// <summary>The outcome of listing one server: its tools, or why it failed.</summary>
public sealed record McpServerListing(McpTarget Target, IReadOnlyList<McpToolInfo>? Tools, McpGatewayException? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>A progress notification of a running tool call.</summary>
public sealed record McpProgress(double Progress, double? Total, string? Message);
