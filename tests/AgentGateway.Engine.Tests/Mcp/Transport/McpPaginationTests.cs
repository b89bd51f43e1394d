using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>Pagination guards against a misbehaving server, with an in-memory MCP server (no network).</summary>
public class McpPaginationTests
{
    /// <summary>Answers initialize, accepts notifications, and pages tools/list with the cursors the test gives.</summary>
    private sealed class FakeMcpServer(Func<int, string?> nextCursorOfPage) : HttpMessageHandler
    {
        public int Pages { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var message = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            var method = message["method"]?.GetValue<string>();
            if (message["id"] is null)
            {
                return new HttpResponseMessage(HttpStatusCode.Accepted);
            }

            var result = method switch
            {
                "initialize" => new JsonObject
                {
                    ["protocolVersion"] = message["params"]!["protocolVersion"]!.GetValue<string>(),
                    ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                    ["serverInfo"] = new JsonObject { ["name"] = "fake", ["version"] = "1" },
                },
                "tools/list" => Page(++Pages),
                _ => [],
            };
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = message["id"]!.DeepClone(), ["result"] = result }.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            if (method == "initialize")
            {
                response.Headers.Add("Mcp-Session-Id", "fake-session");
            }

            return response;
        }

        private JsonObject Page(int page)
        {
            var tools = new JsonArray { new JsonObject { ["name"] = $"tool-{page}", ["inputSchema"] = new JsonObject { ["type"] = "object" } } };
            var result = new JsonObject { ["tools"] = tools };
            if (nextCursorOfPage(page) is { } cursor)
            {
                result["nextCursor"] = cursor;
            }

            return result;
        }
    }

    private static async Task<(Exception? Error, IReadOnlyList<McpToolInfo>? Tools, FakeMcpServer Server)> ListAsync(Func<int, string?> cursors)
    {
        var server = new FakeMcpServer(cursors);
        await using var pool = new McpClientPool(new McpPoolOptions { PrimaryHandlerFactory = () => server, MaxToolPages = 10, TransientRetryDelay = TimeSpan.Zero });
        var client = new McpGatewayClient(pool);
        try
        {
            return (null, await client.ListToolsAsync(new McpTarget(new Uri("http://localhost:1/mcp")), McpAuth.None), server);
        }
        catch (McpGatewayException e)
        {
            return (e, null, server);
        }
    }

    [Fact]
    public async Task Follows_cursors_to_the_last_page()
    {
        var (error, tools, _) = await ListAsync(page => page < 3 ? $"c{page}" : null);
        Assert.Null(error);
        Assert.Equal(["tool-1", "tool-2", "tool-3"], tools!.Select(t => t.Name));
        Assert.All(tools!, t => Assert.Equal("fake", t.ServerName));
    }

    [Fact]
    public async Task A_repeated_cursor_is_an_error_not_a_hang()
    {
        var (error, _, server) = await ListAsync(_ => "same");
        var e = McpKind.Is(McpErrorKind.Pagination, error);
        Assert.Equal(McpErrorKind.Pagination, e.Kind);
        Assert.Equal(2, server.Pages);
    }

    [Fact]
    public async Task Endless_pages_stop_at_the_limit()
    {
        var (error, _, server) = await ListAsync(page => $"c{page}");
        McpKind.Is(McpErrorKind.Pagination, error);
        Assert.Equal(10, server.Pages);
    }
}
