using AgentGateway.Engine.Mcp;

namespace AgentGateway.Engine.Tests.Mcp;

/// <summary>Asserts on the one MCP exception type by its <see cref="McpGatewayException.Kind"/>.</summary>
internal static class McpKind
{
    public static McpGatewayException Is(McpErrorKind kind, object? error)
    {
        var e = Assert.IsType<McpGatewayException>(error);
        Assert.Equal(kind, e.Kind);
        return e;
    }

    public static McpGatewayException Throws(McpErrorKind kind, Action action) => Is(kind, Assert.Throws<McpGatewayException>(action));

    public static async Task<McpGatewayException> ThrowsAsync(McpErrorKind kind, Func<Task> action) => Is(kind, await Assert.ThrowsAsync<McpGatewayException>(action));
}
