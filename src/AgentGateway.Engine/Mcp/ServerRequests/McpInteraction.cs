using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>The interaction of the call in progress (ambient, like <see cref="Diagnostics.CallLog"/>).</summary>
internal static class McpInteraction
{
    private static readonly Ambient<IMcpCallInteraction> s_current = new();

    public static IMcpCallInteraction? Current => s_current.Current;

    /// <summary>Sets the interaction for the current async flow until the returned scope is disposed.</summary>
    public static IDisposable Use(IMcpCallInteraction? interaction) => s_current.Use(interaction);
}
