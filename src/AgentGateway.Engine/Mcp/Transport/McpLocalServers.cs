using System.Collections.Concurrent;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The local (stdio) MCP servers a runspace has named: one <see cref="McpLocalServer"/> per command line, folder and
/// environment, found by its endpoint when the pool starts its process. Their processes live in the pool, as clients do.
/// </summary>
internal sealed class McpLocalServers
{
    private readonly ConcurrentDictionary<Uri, McpLocalServer> _servers = new();

    /// <summary>The one server of this command line (the one named before, when there is one).</summary>
    public McpLocalServer Add(McpLocalServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return _servers.GetOrAdd(server.Endpoint, server);
    }

    /// <summary>The server of a <c>stdio://</c> endpoint, or null.</summary>
    public McpLocalServer? Find(Uri endpoint) => _servers.GetValueOrDefault(endpoint);

    /// <summary>Every local server named in this runspace.</summary>
    public IReadOnlyList<McpLocalServer> All => [.. _servers.Values];

    /// <summary>Forgets a server (after its process was stopped).</summary>
    public bool Remove(McpLocalServer server) => _servers.TryRemove(server.Endpoint, out _);
}
