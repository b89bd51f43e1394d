namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The x-correlation-id of the logical call in progress: every HTTP request of one operation (its
/// initialize, its 401 resend, its pages) carries the same id. Requests outside an operation get a new one each.
/// </summary>
internal static class McpCorrelation
{
    public const string HeaderName = "x-correlation-id";

    private static readonly AsyncLocal<string?> s_current = new();

    /// <summary>The id of the current logical call, if one is in progress.</summary>
    public static string? Current => s_current.Value;

    /// <summary>Starts a logical call with a new id (or <paramref name="correlationId"/>) until the scope is disposed.</summary>
    public static IDisposable Begin(string? correlationId = null)
    {
        var previous = s_current.Value;
        s_current.Value = string.IsNullOrWhiteSpace(correlationId) ? Guid.NewGuid().ToString("D") : correlationId;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
