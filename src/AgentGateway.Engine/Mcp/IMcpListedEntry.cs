namespace AgentGateway.Engine.Mcp;

/// <summary>What every entry of a server's prompt or resource listing says of itself: its name, where it lives, and whether it is usable.</summary>
internal interface IMcpListedEntry
{
    /// <summary>The entry's name (what a literal -Name is looked up by).</summary>
    string Name { get; }

    /// <summary>serverInfo.name from initialize.</summary>
    string ServerName { get; }

    /// <summary>The MCP endpoint that listed it.</summary>
    Uri Url { get; }

    /// <summary>Why the listing's entry is unusable, or null.</summary>
    string? Problem { get; }
}
