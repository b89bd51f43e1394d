using System.Collections.ObjectModel;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>The tools of one server as listed, with the server's freshness hint (<c>ttlMs</c>, the shortest of its pages) when it gave one.</summary>
internal sealed class McpToolList(IList<McpToolInfo> tools, TimeSpan? timeToLive) : ReadOnlyCollection<McpToolInfo>(tools)
{
    /// <summary>How long the server says the listing stays fresh; null when it did not say.</summary>
    public TimeSpan? TimeToLive { get; } = timeToLive;
}
