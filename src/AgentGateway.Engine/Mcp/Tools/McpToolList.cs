using System.Collections.ObjectModel;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The tools of one server as listed, with the server's freshness hint (<c>ttlMs</c>, the shortest of its pages) when it
/// gave one, and whether it may be shared across identities (<c>cacheScope: "public"</c> on every page).
/// </summary>
internal sealed class McpToolList(IList<McpToolInfo> tools, TimeSpan? timeToLive, bool isPublic = false) : ReadOnlyCollection<McpToolInfo>(tools)
{
    /// <summary>How long the server says the listing stays fresh; null when it did not say.</summary>
    public TimeSpan? TimeToLive { get; } = timeToLive;

    /// <summary>
    /// The server said the listing is the same for every caller (<c>cacheScope: "public"</c>): the runspace may answer
    /// another identity from it. False when it said <c>"private"</c>, nothing, or something else.
    /// </summary>
    public bool IsPublic { get; } = isPublic;
}
