using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// What a caller wants called, as bound from its parameters: the tool, where it lives, the arguments and how to
/// authenticate. <see cref="Runspace.RunspaceState.PrepareCallAsync"/> turns it into an <see cref="McpPreparedCall"/>.
/// Where the tool lives is, first match wins: <see cref="Tool"/> (a listed tool), <see cref="OrdId"/> (a gateway
/// dependency), <see cref="Uri"/> (any endpoint), else the one dependency whose listing has <see cref="ToolName"/>.
/// </summary>
internal sealed record McpCallRequest
{
    /// <summary>The tool's name (a listed <see cref="Tool"/>'s name when one is given).</summary>
    public required string ToolName { get; init; }

    /// <summary>A tool from a listing (Get-McpTool): its endpoint and its inputSchema are used, nothing is looked up.</summary>
    public McpToolInfo? Tool { get; init; }

    /// <summary>The ORD id of the gateway dependency that has the tool.</summary>
    public string? OrdId { get; init; }

    /// <summary>An MCP endpoint that has the tool.</summary>
    public Uri? Uri { get; init; }

    /// <summary>The arguments as plain .NET values (see <see cref="ArgumentJson"/>); built into JSON once, by the preparation.</summary>
    public IReadOnlyDictionary<string, object?>? Arguments { get; init; }

    /// <summary>The user's JWT: the call goes with the user's exchanged token instead of the system token.</summary>
    public string? UserJwt { get; init; }

    /// <summary>A token for an endpoint outside the gateway (the gateway's tokens never leave its origin).</summary>
    public string? AccessToken { get; init; }

    /// <summary>Send the arguments unchecked; with <see cref="OrdId"/> or <see cref="Uri"/> nothing is listed either.</summary>
    public bool SkipSchemaValidation { get; init; }

    /// <summary>
    /// How long the whole call may take (the listing for the check, the check, the send and its response); the
    /// config's timeout when null. The time a person takes to answer what the server asks is not counted.
    /// </summary>
    public TimeSpan? Timeout { get; init; }
}
