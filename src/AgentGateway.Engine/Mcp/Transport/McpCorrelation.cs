using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The x-correlation-id of the logical call in progress: every HTTP request of one operation (its
/// initialize, its 401 resend, its pages) carries the same id. Requests outside an operation get a new one each.
/// </summary>
internal static class McpCorrelation
{
    public const string HeaderName = "x-correlation-id";

    private static readonly Ambient<string> s_current = new();

    /// <summary>The id of the current logical call, if one is in progress.</summary>
    public static string? Current => s_current.Current;

    /// <summary>Starts a logical call with a new id (or <paramref name="correlationId"/>) until the scope is disposed.</summary>
    public static IDisposable Begin(string? correlationId = null) =>
        s_current.Use(string.IsNullOrWhiteSpace(correlationId) ? Guid.NewGuid().ToString("D") : correlationId);
}
