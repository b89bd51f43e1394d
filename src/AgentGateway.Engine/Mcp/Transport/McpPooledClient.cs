using System.Collections.Concurrent;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.ServerRequests;
using AgentGateway.Engine.Mcp.Tools;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>One initialized MCP client in the pool.</summary>
internal sealed class McpPooledClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, McpToolInfo> _told = new(StringComparer.Ordinal);
    private int _disposed;

    public McpPooledClient(McpClientPool.PoolKey key, Uri endpoint, McpClient client, McpServerRequests? requests = null)
    {
        Key = key;
        Endpoint = endpoint;
        Client = client;
        ServerName = McpNegotiation.ServerInfoOf(client)?.Name ?? endpoint.Host;
        Requests = requests ?? new McpServerRequests(endpoint);
        Requests.ServerName = ServerName;
    }

    /// <summary>Where the server's requests and log notifications to this client go (the call in progress).</summary>
    public McpServerRequests Requests { get; }

    public McpClientPool.PoolKey Key { get; }

    public Uri Endpoint { get; }

    public McpClient Client { get; }

    /// <summary>Set up and not yet taken by a call (guarded by the pool's lock).</summary>
    internal bool Fresh { get; set; } = true;

    /// <summary>Calls using the session now (guarded by the pool's lock).</summary>
    internal int InUse { get; set; }

    /// <summary>Taken out of the pool because its server forgot it; closed when its last call ends (guarded by the pool's lock).</summary>
    internal bool Dropped { get; set; }

    /// <summary>When a call last took or released the session (<see cref="TimeProvider.GetTimestamp"/>; guarded by the pool's lock).</summary>
    internal long LastUsed { get; set; }

    /// <summary>serverInfo.name from initialize or discovery.</summary>
    public string ServerName { get; }

    /// <summary>Whether the client's transport has ended (for example the server expired the session).</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) != 0 || Client.Completion.IsCompleted;

    /// <summary>The MCP revision this client speaks.</summary>
    public string ProtocolVersion => Client.NegotiatedProtocolVersion ?? McpNegotiation.NewestInitializeRevision;

    /// <summary>
    /// Tells the SDK client a listed tool (<c>AddKnownTools</c>), once per listing, so its <c>x-mcp-header</c>
    /// arguments are mirrored into <c>Mcp-Param-*</c> headers from the first call on. A tool whose schema the SDK
    /// refuses for that is left out (its call goes without those headers, and the server says what it misses).
    /// </summary>
    public void KnowTool(McpToolInfo? tool)
    {
        if (tool is null || tool.Problem is not null || (_told.TryGetValue(tool.Name, out var told) && ReferenceEquals(told, tool)))
        {
            return;
        }

        try
        {
            Client.AddKnownTools([new Tool { Name = tool.Name, InputSchema = tool.InputSchema }]);
        }
        catch (ArgumentException e)
        {
            Diagnostics.CallLog.Debug($"Tool '{Diagnostics.ServerText.ForTerminal(tool.Name, 100)}': its x-mcp-header annotations are not usable ({Diagnostics.ServerText.ForTerminal(e.Message, 200)}); no Mcp-Param headers.");
        }

        _told[tool.Name] = tool;
    }

    public string Describe() =>
        $"server '{ServerName}', protocol {Client.NegotiatedProtocolVersion ?? "?"}{(Client.SessionId is null ? string.Empty : ", session " + Client.SessionId)}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or McpGatewayException)
        {
            // Ending a session the server already forgot is not worth an error.
        }
    }
}
