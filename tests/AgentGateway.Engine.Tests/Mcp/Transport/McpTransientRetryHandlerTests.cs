using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

public sealed class McpTransientRetryHandlerTests
{
    [Theory]
    [InlineData("initialize")]
    [InlineData("server/discover")]
    [InlineData("ping")]
    [InlineData("tools/list")]
    [InlineData("resources/list")]
    [InlineData("resources/templates/list")]
    [InlineData("resources/read")]
    [InlineData("prompts/list")]
    [InlineData("prompts/get")]
    [InlineData("completion/complete")]
    public void Negotiation_listings_reads_and_completions_may_be_sent_again(string method) =>
        Assert.True(McpTransientRetryHandler.IsIdempotent(method));

    [Theory]
    [InlineData("tools/call")] // the tool may have run
    [InlineData("notifications/cancelled")]
    [InlineData(null)] // a GET or DELETE: no JSON-RPC method
    public void A_tool_call_and_what_is_no_request_are_not_sent_again(string? method) =>
        Assert.False(McpTransientRetryHandler.IsIdempotent(method));
}
