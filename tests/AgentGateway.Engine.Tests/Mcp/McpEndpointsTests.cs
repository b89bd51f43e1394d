using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;

namespace AgentGateway.Engine.Tests.Mcp;

public class McpEndpointsTests
{
    [Theory]
    [InlineData("https://gw.example.com", "https://gw.example.com/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com/", "https://gw.example.com/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com//", "https://gw.example.com/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com/v1/mcp", "https://gw.example.com/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com/v1/mcp/", "https://gw.example.com/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com:8443/base", "https://gw.example.com:8443/base/v1/mcp/ord/ten")]
    [InlineData("https://gw.example.com/base/v1/mcp", "https://gw.example.com/base/v1/mcp/ord/ten")]
    public void Builds_the_gateway_endpoint(string gateway, string expected)
    {
        Assert.Equal(expected, McpEndpoints.Build(gateway, "ord", "ten").AbsoluteUri);
    }

    [Fact]
    public void Escapes_ord_id_and_tenant_as_path_segments()
    {
        var uri = McpEndpoints.Build("https://gw.example.com", "sap.s4:mcpServer:a b/c", "tenant?#1");
        Assert.Equal("https://gw.example.com/v1/mcp/sap.s4%3AmcpServer%3Aa%20b%2Fc/tenant%3F%231", uri.AbsoluteUri);
        Assert.Equal(5, uri.Segments.Length);
    }

    [Fact]
    public void Builds_from_a_dependency_and_keeps_it_on_the_target()
    {
        var dependency = new IntegrationDependency("ord", "ten");
        var target = McpTarget.ForDependency("https://gw.example.com/", dependency);
        Assert.Equal("https://gw.example.com/v1/mcp/ord/ten", target.Url.AbsoluteUri);
        Assert.Same(dependency, target.Dependency);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://gw.example.com")]
    public void Refuses_a_gateway_url_that_is_not_http(string gateway)
    {
        Assert.ThrowsAny<ArgumentException>(() => McpEndpoints.Build(gateway, "ord", "ten"));
    }

    [Theory]
    [InlineData("https://gw.example.com/a", "https://GW.example.com:443/b", true)]
    [InlineData("https://gw.example.com", "https://gw.example.com:8443", false)]
    [InlineData("https://gw.example.com", "http://gw.example.com", false)]
    [InlineData("https://gw.example.com", "https://evil.example.com", false)]
    [InlineData("https://gw.example.com", "https://gw.example.com.evil.com", false)]
    public void Same_origin_compares_scheme_host_and_port(string a, string b, bool expected)
    {
        Assert.Equal(expected, McpEndpoints.SameOrigin(new Uri(a), new Uri(b)));
    }

    [Theory]
    [InlineData("https://gw.example.com/x", true)]
    [InlineData("http://localhost:5000/x", true)]
    [InlineData("http://127.0.0.1:5000/x", true)]
    [InlineData("http://[::1]:5000/x", true)]
    [InlineData("http://gw.example.com/x", false)]
    [InlineData("http://10.0.0.1/x", false)]
    public void Bearer_tokens_travel_over_plain_http_only_to_loopback(string url, bool allowed)
    {
        Assert.Equal(allowed, TransportRule.MaySendBearerTo(new Uri(url)));
    }
}
