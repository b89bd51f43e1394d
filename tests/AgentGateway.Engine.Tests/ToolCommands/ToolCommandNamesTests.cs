using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Engine.Tests.ToolCommands;

public sealed class ToolCommandNamesTests
{
    private static readonly string[] s_verbs = ["Get", "Find", "New", "Add", "Set", "Invoke", "Remove"];

    [Theory]
    [InlineData("find-customer", "find|customer")]
    [InlineData("get_order.status", "get|order|status")]
    [InlineData("getOrderStatus", "get|Order|Status")]
    [InlineData("getHTTPStatus", "get|HTTP|Status")]
    [InlineData("order.createDraft", "order|create|Draft")]
    [InlineData("catalog-item-01", "catalog|item|01")]
    [InlineData("  --  ", "")]
    public void A_name_splits_on_separators_and_camel_case(string name, string words) =>
        Assert.Equal(words, string.Join('|', ToolCommandNames.SplitWords(name)));

    [Theory]
    [InlineData("find-customer", "Find", "Customer")]
    [InlineData("get-orderStatus", "Get", "OrderStatus")]
    [InlineData("FIND_customer", "Find", "Customer")]
    [InlineData("echo", "Invoke", "Echo")]
    [InlineData("add", "Invoke", "Add")]
    [InlineData("inspect-arguments", "Invoke", "InspectArguments")]
    [InlineData("order.createDraft", "Invoke", "OrderCreateDraft")]
    [InlineData("???", "Invoke", "Tool")]
    public void An_approved_first_word_followed_by_more_is_the_verb_else_Invoke(string tool, string verb, string noun) =>
        Assert.Equal((verb, noun), ToolCommandNames.VerbAndNoun(tool, s_verbs));

    [Fact]
    public void The_prefix_goes_before_the_noun()
    {
        var names = ToolCommandNames.Assign([Tool("find-customer", "crm")], "crm", s_verbs, _ => false);

        Assert.Equal("Find-CrmCustomer", names[0].Name);
        Assert.Null(names[0].RenamedBecause);
    }

    [Fact]
    public void Two_servers_with_the_same_tool_both_get_their_server_prefix_whatever_the_order()
    {
        var travel = Tool("ping", "sandbox-travel", "https://gw.example/a");
        var crm = Tool("ping", "sandbox-crm", "https://gw.example/b");

        var forward = ToolCommandNames.Assign([travel, crm], null, s_verbs, _ => false);
        var backward = ToolCommandNames.Assign([crm, travel], null, s_verbs, _ => false);

        Assert.Equal(["Invoke-SandboxTravelPing", "Invoke-SandboxCrmPing"], forward.Select(n => n.Name));
        Assert.Equal(["Invoke-SandboxCrmPing", "Invoke-SandboxTravelPing"], backward.Select(n => n.Name));
        Assert.All(forward, n => Assert.Equal("Invoke-Ping", n.PlainName));
        Assert.Contains("sandbox-crm", forward[0].RenamedBecause, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_command_sends_the_tool_to_its_server_prefixed_name()
    {
        var names = ToolCommandNames.Assign([Tool("get-date", "sandbox-shapes")], null, s_verbs, name => name == "Get-Date");

        Assert.Equal("Get-SandboxShapesDate", names[0].Name);
        Assert.Equal("Get-Date is an existing command", names[0].RenamedBecause);
    }

    [Fact]
    public void A_prefixed_name_that_is_taken_too_gets_a_number()
    {
        var names = ToolCommandNames.Assign([Tool("get-date", "shapes")], null, s_verbs, name => name is "Get-Date" or "Get-ShapesDate");

        Assert.Equal("Get-ShapesDate2", names[0].Name);
    }

    [Fact]
    public void Two_tools_of_one_server_with_the_same_command_name_stay_apart()
    {
        var names = ToolCommandNames.Assign([Tool("find-customer", "crm"), Tool("find_customer", "crm")], null, s_verbs, _ => false);

        Assert.Equal(["Find-Customer", "Find-Customer2"], names.Select(n => n.Name));
        Assert.NotNull(names[1].RenamedBecause);
    }

    [Fact]
    public void The_server_prefix_is_the_server_name_in_PascalCase() =>
        Assert.Equal("SandboxShapesTwin", ToolCommandNames.ServerPrefix("sandbox-shapes-twin"));

    private static McpToolInfo Tool(string name, string server, string url = "https://gw.example/v1/mcp/x/t") =>
        new() { Name = name, ServerName = server, Url = new Uri(url) };
}
