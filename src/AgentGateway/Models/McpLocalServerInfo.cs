namespace AgentGateway;

/// <summary>A local (stdio) MCP server of this runspace, as Get-McpLocalServer emits it; pipe it to Stop-McpLocalServer.</summary>
public sealed class McpLocalServerInfo
{
    internal McpLocalServerInfo(Engine.Mcp.Transport.McpLocalServer server, bool running, string? protocolVersion)
    {
        Server = server;
        Running = running;
        ProtocolVersion = protocolVersion;
    }

    /// <summary>The command and its arguments (never the environment's values).</summary>
    public string CommandLine => Server.CommandLine;

    public string? WorkingDirectory => Server.WorkingDirectory;

    /// <summary>The names of the variables -Environment set (their values are never shown).</summary>
    public IReadOnlyList<string> EnvironmentNames => [.. Server.Environment.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether its process runs now.</summary>
    public bool Running { get; }

    /// <summary>The MCP revision its process answered initialize with (for example 2025-11-25); null before its first start.</summary>
    public string? ProtocolVersion { get; }

    /// <summary>How many times its process was started in this runspace (more than once: it ended or crashed and was started again).</summary>
    public int Starts => Server.Starts;

    /// <summary>The last lines it wrote to stderr, made fit for a terminal.</summary>
    public IReadOnlyList<string> RecentErrorOutput => Server.RecentErrorOutput;

    /// <summary>The endpoint the runspace keeps it under (stdio://local/...).</summary>
    public Uri Endpoint => Server.Endpoint;

    internal Engine.Mcp.Transport.McpLocalServer Server { get; }

    public override string ToString() => CommandLine;
}
