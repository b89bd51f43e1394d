using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp;

/// <summary>
/// The tests of the transport level (a pool with their own token source) call a tool with arguments as a dictionary;
/// the product's way in is RunspaceState.PrepareCallAsync, which builds the arguments as JSON once.
/// </summary>
internal static class McpGatewayClientCalls
{
    public static Task<McpCallResult> CallToolAsync(
        this McpGatewayClient client,
        McpTarget target,
        McpAuth auth,
        string toolName,
        IReadOnlyDictionary<string, object?>? arguments,
        IProgress<McpProgress>? progress = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        client.CallToolJsonAsync(target, auth, toolName, ArgumentJson.ToJsonObject(arguments), progress, timeout, cancellationToken);
}
