using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

public class McpAuthTests
{
    private static readonly Uri s_gateway = new("https://gw.example.com");

    [Fact]
    public void Gateway_token_goes_only_to_the_gateway_origin()
    {
        var auth = McpAuth.Gateway(new CountingTokenSource(), s_gateway);
        Assert.Equal(McpAuthMode.GatewayToken, auth.ModeFor(new Uri("https://gw.example.com/v1/mcp/a/b")));
        Assert.Equal(McpAuthMode.None, auth.ModeFor(new Uri("https://other.example.com/mcp")));
        Assert.Equal(McpAuthMode.None, auth.ModeFor(new Uri("https://gw.example.com:8443/v1/mcp/a/b")));
    }

    [Fact]
    public void A_foreign_endpoint_gets_the_fixed_token_when_given()
    {
        var auth = McpAuth.Gateway(new CountingTokenSource(), s_gateway, fixedTokenElsewhere: "foreign-secret");
        Assert.Equal(McpAuthMode.FixedToken, auth.ModeFor(new Uri("https://other.example.com/mcp")));
        Assert.Equal(McpAuthMode.GatewayToken, auth.ModeFor(new Uri("https://gw.example.com/v1/mcp/a/b")));
        Assert.Equal(McpAuthMode.FixedToken, McpAuth.Fixed("t").ModeFor(new Uri("https://gw.example.com/x")));
        Assert.Equal(McpAuthMode.None, McpAuth.None.ModeFor(new Uri("https://gw.example.com/x")));
    }

    [Fact]
    public void Identity_keys_separate_system_users_fixed_and_anonymous_without_revealing_secrets()
    {
        var source = new CountingTokenSource();
        var endpoint = new Uri("https://gw.example.com/v1/mcp/a/b");
        var system = McpAuth.Gateway(source, s_gateway).IdentityFor(endpoint);
        var alice = McpAuth.Gateway(source, s_gateway, "jwt-of-alice").IdentityFor(endpoint);
        var bob = McpAuth.Gateway(source, s_gateway, "jwt-of-bob").IdentityFor(endpoint);
        var fixedKey = McpAuth.Fixed("secret-token").IdentityFor(endpoint);

        Assert.Equal("system", system);
        Assert.StartsWith("user:", alice, StringComparison.Ordinal);
        Assert.Equal(5 + 64, alice.Length);
        Assert.NotEqual(alice, bob);
        Assert.StartsWith("fixed:", fixedKey, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", fixedKey, StringComparison.Ordinal);
        Assert.DoesNotContain("jwt-of-alice", alice, StringComparison.Ordinal);
        Assert.Equal("anonymous", McpAuth.None.IdentityFor(endpoint));
        Assert.Equal(2, source.KeysComputed);
        Assert.DoesNotContain("secret", McpAuth.Fixed("secret-token").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("jwt-of-alice", McpAuth.Gateway(source, s_gateway, "jwt-of-alice").DescribeFor(endpoint), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_to_send_a_token_over_plain_http_to_a_remote_host()
    {
        var remote = new Uri("http://gw.example.com/v1/mcp/a/b");
        var e = McpKind.Throws(McpErrorKind.InsecureTransport, () => McpAuth.Fixed("t").EnsureSafeFor(remote));
        Assert.Equal(McpErrorKind.InsecureTransport, e.Kind);
        Assert.Contains("https", e.Message, StringComparison.Ordinal);

        var plainGateway = McpAuth.Gateway(new CountingTokenSource(), new Uri("http://gw.example.com"));
        McpKind.Throws(McpErrorKind.InsecureTransport, () => plainGateway.EnsureSafeFor(remote));

        // Loopback over http, and no token at all, are fine.
        McpAuth.Fixed("t").EnsureSafeFor(new Uri("http://localhost:8080/mcp"));
        McpAuth.None.EnsureSafeFor(remote);
    }
}
