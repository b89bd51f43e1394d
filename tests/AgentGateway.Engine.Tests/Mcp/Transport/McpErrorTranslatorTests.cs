using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using ModelContextProtocol;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>What the SDK throws, translated: the server's words reach the message fit for a terminal, the properties as sent.</summary>
public sealed class McpErrorTranslatorTests
{
    private static readonly Uri s_endpoint = new("https://gateway.example/v1/mcp/ord/tenant");

    [Fact]
    public void A_JSON_RPC_error_message_is_made_fit_for_a_terminal_and_kept_as_sent()
    {
        var sent = "bad\u001b[2J\u001b]0;title\u0007\u202Eevil\0\rOVERWRITE" + new string('A', 200 * 1024);
        var translated = McpErrorTranslator.Translate(new McpProtocolException(sent, McpErrorCode.InternalError), s_endpoint);

        Assert.Equal(McpErrorKind.Protocol, translated.Kind);
        Assert.Equal(sent, translated.RpcErrorMessage);
        Assert.StartsWith("The MCP server at 'https://gateway.example/v1/mcp/ord/tenant' answered with JSON-RPC error -32603: bad", translated.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(translated.Message, ServerText.IsUnsafe);
        Assert.True(translated.Message.Length < 2 * ServerText.DefaultMaxLength, $"{translated.Message.Length} characters");
    }
}
