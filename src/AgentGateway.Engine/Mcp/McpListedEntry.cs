using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// What every entry of a server's tool, prompt or resource listing says of itself: its name, where it lives (the
/// server, the endpoint, the dependency it came from) and whether it is usable.
/// </summary>
internal abstract class McpListedEntry
{
    /// <summary>The entry's name (what a literal -Name is looked up by).</summary>
    public required string Name { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>serverInfo.name from initialize.</summary>
    public required string ServerName { get; init; }

    /// <summary>The ORD id when the entry came from a gateway dependency.</summary>
    public string? OrdId { get; init; }

    /// <summary>The global tenant id when the entry came from a gateway dependency.</summary>
    public string? GlobalTenantId { get; init; }

    /// <summary>The MCP endpoint that listed it, and that calls, renders or reads it.</summary>
    public required Uri Url { get; init; }

    /// <summary>The MCP revision the server was listed with (for example 2025-11-25, 2026-07-28).</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>Why the listing's entry is unusable, or null.</summary>
    public virtual string? Problem => EntryProblem;

    /// <summary>Why the listing's entry is no usable entry (not an object, no name or URI), as read from the listing.</summary>
    internal string? EntryProblem { get; init; }

    /// <summary>Where this entry lives: its endpoint and, when it came from a gateway dependency, that dependency.</summary>
    public McpTarget Target => new(Url, OrdId is null ? null : new IntegrationDependency(OrdId, GlobalTenantId ?? string.Empty));

    public override string ToString() => $"{Name} ({ServerName})";
}
