using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Tests.Mcp;

public sealed class McpTargetTests
{
    [Fact]
    public void A_tool_of_a_dependency_targets_its_endpoint_and_that_dependency()
    {
        var tool = new McpToolInfo { Name = "echo", ServerName = "s", Url = new Uri("https://gw.example/v1/mcp/a/t"), OrdId = "a", GlobalTenantId = "t" };

        var target = tool.Target;

        Assert.Equal(tool.Url, target.Url);
        Assert.Equal("a", target.Dependency?.OrdId);
        Assert.Equal("t", target.Dependency?.GlobalTenantId);
    }

    [Fact]
    public void A_tool_listed_by_uri_targets_its_endpoint_only()
    {
        var tool = new McpToolInfo { Name = "echo", ServerName = "s", Url = new Uri("http://127.0.0.1:3001/mcp") };

        var target = tool.Target;

        Assert.Equal(tool.Url, target.Url);
        Assert.Null(target.Dependency);
    }
}
