using System.Net;
using System.Text;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

public class McpHandlerChainTests
{
    private static readonly Uri s_gateway = new("https://gw.example.com");
    private static readonly Uri s_endpoint = new("https://gw.example.com/v1/mcp/ord/ten");

    private sealed record Seen(string? Authorization, string? CorrelationId, string Body);

    /// <summary>Answers each request with the next status of a script (200 when it runs out) and records what it saw.</summary>
    private sealed class ScriptedHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private int _next;

        public List<Seen> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            Seen.Add(new Seen(
                request.Headers.Authorization?.ToString(),
                request.Headers.TryGetValues(McpCorrelation.HeaderName, out var ids) ? ids.Single() : null,
                body));
            var status = _next < statuses.Length ? statuses[_next++] : HttpStatusCode.OK;
            return new HttpResponseMessage(status) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        }
    }

    private static HttpClient Client(McpAuth auth, ScriptedHandler inner) =>
        new(McpHandlerChain.Create(auth, transientRetries: 2, transientRetryDelay: TimeSpan.Zero, inner));

    private static StringContent Rpc(string method) =>
        new("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":{\"name\":\"x\"}}", Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_401_drops_the_sent_token_and_resends_once_with_a_fresh_one_and_the_same_body()
    {
        var source = new CountingTokenSource();
        var inner = new ScriptedHandler(HttpStatusCode.Unauthorized);
        using var client = Client(McpAuth.Gateway(source, s_gateway), inner);

        using var response = await client.PostAsync(s_endpoint, Rpc("tools/call"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], inner.Seen.Select(s => s.Authorization));
        Assert.Equal(inner.Seen[0].Body, inner.Seen[1].Body);
        Assert.Equal(inner.Seen[0].CorrelationId, inner.Seen[1].CorrelationId);
        var dropped = Assert.Single(source.Invalidated);
        Assert.Equal(AgentGateway.Engine.Tokens.AccessToken.FingerprintOf("token-1"), dropped.Fingerprint);
    }

    [Fact]
    public async Task A_404_to_a_request_on_a_session_is_thrown_not_answered_and_not_resent()
    {
        // Thrown: on a 404 answer the SDK would close the transport under every other call in flight on the session.
        var inner = new ScriptedHandler(HttpStatusCode.NotFound, HttpStatusCode.NotFound);
        using var client = Client(McpAuth.None, inner);
        using var onSession = new HttpRequestMessage(HttpMethod.Post, s_endpoint) { Content = Rpc("tools/call") };
        onSession.Headers.Add("Mcp-Session-Id", "session-1");

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(onSession));

        Assert.Equal(HttpStatusCode.NotFound, thrown.StatusCode);
        Assert.Contains("no longer knows the session", thrown.Message, StringComparison.Ordinal);
        Assert.Single(inner.Seen);

        // Without a session (an initialize to a wrong path, say) the 404 is the SDK's to see.
        using var response = await client.PostAsync(s_endpoint, Rpc("initialize"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_second_401_is_an_authentication_error_without_the_token_in_it()
    {
        var source = new CountingTokenSource();
        var inner = new ScriptedHandler(HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized);
        using var client = Client(McpAuth.Gateway(source, s_gateway, userJwt: "user-jwt"), inner);

        var e = await McpKind.ThrowsAsync(McpErrorKind.Authentication, () => client.PostAsync(s_endpoint, Rpc("tools/list")));

        Assert.Equal(401, e.StatusCode);
        Assert.Equal(2, inner.Seen.Count);
        Assert.DoesNotContain("token-", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("user-jwt", e.Message, StringComparison.Ordinal);
        Assert.All(source.Requests, jwt => Assert.Equal("user-jwt", jwt));
        Assert.Equal(McpAuthMode.GatewayToken, e.AuthMode);

        // The JWT was hashed once, when the auth was made; both requests carried that key.
        Assert.Equal(1, source.KeysComputed);
        Assert.Equal(2, source.RequestKeys.Count);
        Assert.All(source.RequestKeys, key => Assert.Equal(TokenCacheKeys.UserKey("user-jwt", "test"), key));
    }

    [Fact]
    public async Task A_fixed_token_is_not_retried_on_401()
    {
        var inner = new ScriptedHandler(HttpStatusCode.Unauthorized);
        using var client = Client(McpAuth.Fixed("given"), inner);

        var e = await McpKind.ThrowsAsync(McpErrorKind.Authentication, () => client.PostAsync(s_endpoint, Rpc("tools/list")));

        Assert.Equal("Bearer given", Assert.Single(inner.Seen).Authorization);
        Assert.Equal(McpAuthMode.FixedToken, e.AuthMode);
        Assert.Contains("given access token", e.Message, StringComparison.Ordinal);
        Assert.Contains("not renewed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("-AccessToken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_token_never_goes_to_another_origin()
    {
        var source = new CountingTokenSource();
        var inner = new ScriptedHandler();
        using var client = Client(McpAuth.Gateway(source, s_gateway), inner);

        using var response = await client.PostAsync(new Uri("https://elsewhere.example.com/mcp"), Rpc("tools/list"));

        Assert.Null(Assert.Single(inner.Seen).Authorization);
        Assert.Equal(0, source.Issued);
    }

    [Fact]
    public async Task Plain_http_to_a_remote_host_is_refused_before_anything_is_sent()
    {
        var inner = new ScriptedHandler();
        using var client = Client(McpAuth.Fixed("given"), inner);

        await McpKind.ThrowsAsync(McpErrorKind.InsecureTransport, () => client.PostAsync(new Uri("http://gw.example.com/mcp"), Rpc("tools/list")));
        Assert.Empty(inner.Seen);
    }

    [Fact]
    public async Task A_tool_call_is_not_resent_after_a_500()
    {
        var inner = new ScriptedHandler(HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError);
        using var client = Client(McpAuth.Fixed("given"), inner);

        using var response = await client.PostAsync(s_endpoint, Rpc("tools/call"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(inner.Seen);
    }

    [Fact]
    public async Task Listing_is_retried_a_bounded_number_of_times_after_5xx()
    {
        var inner = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway);
        using var client = Client(McpAuth.None, inner);

        using var response = await client.PostAsync(s_endpoint, Rpc("tools/list"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, inner.Seen.Count);

        var down = new ScriptedHandler(Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 10).ToArray());
        using var downClient = Client(McpAuth.None, down);
        using var failed = await downClient.PostAsync(s_endpoint, Rpc("initialize"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(3, down.Seen.Count);
    }

    [Fact]
    public async Task Every_request_carries_a_correlation_id_shared_within_a_logical_call()
    {
        var inner = new ScriptedHandler();
        using var client = Client(McpAuth.None, inner);

        using (McpCorrelation.Begin("call-1"))
        {
            (await client.PostAsync(s_endpoint, Rpc("tools/list"))).Dispose();
            (await client.PostAsync(s_endpoint, Rpc("tools/call"))).Dispose();
        }

        (await client.PostAsync(s_endpoint, Rpc("tools/list"))).Dispose();

        Assert.Equal("call-1", inner.Seen[0].CorrelationId);
        Assert.Equal("call-1", inner.Seen[1].CorrelationId);
        Assert.True(Guid.TryParse(inner.Seen[2].CorrelationId, out _));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"method":"x"}}""", "tools/call")]
    [InlineData("""{"params":{"method":"nested"},"jsonrpc":"2.0","method":"tools/list"}""", "tools/list")]
    [InlineData("""[{"method":"tools/list"}]""", null)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{}}""", null)]
    [InlineData("not json", null)]
    public void Reads_the_json_rpc_method_of_a_body(string body, string? expected)
    {
        Assert.Equal(expected, McpRpcRequestHandler.ReadJsonRpcMethod(Encoding.UTF8.GetBytes(body)));
    }
}
