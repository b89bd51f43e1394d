using System.Text.Json;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

public class McpToolLookupTests
{
    private static McpToolInfo Tool(string name, string? ordId = "ord:a") => new()
    {
        Name = name,
        ServerName = "s",
        OrdId = ordId,
        Url = new Uri($"https://gw.example.com/v1/mcp/{ordId ?? "x"}/t"),
        InputSchema = JsonDocument.Parse("{}").RootElement,
    };

    [Fact]
    public void Single_returns_the_one_tool_of_that_name()
    {
        var echo = Tool("echo");
        Assert.Same(echo, McpToolLookup.Single([Tool("ping"), echo], "echo", "here"));
    }

    [Fact]
    public void An_unknown_name_is_ToolNotFound_with_the_closest_names()
    {
        var e = Assert.Throws<McpGatewayException>(() =>
            McpToolLookup.Single([Tool("echo"), Tool("ping"), Tool("get-weather"), Tool("add")], "ecko", "the MCP server X"));

        Assert.Equal(McpErrorKind.ToolNotFound, e.Kind);
        Assert.Equal("ecko", e.Subject);
        Assert.Equal(["echo"], e.Candidates);
        Assert.Equal("There is no tool 'ecko' on the MCP server X. Did you mean 'echo'?", e.Message);
    }

    [Fact]
    public void Names_are_case_sensitive_and_the_other_case_is_suggested_first()
    {
        var e = Assert.Throws<McpGatewayException>(() => McpToolLookup.Single([Tool("Echoes"), Tool("echo")], "Echo", "here"));
        Assert.Equal(["echo", "Echoes"], e.Candidates);
    }

    [Fact]
    public void A_name_close_to_nothing_gets_no_suggestion_and_names_the_unlisted_servers()
    {
        var e = Assert.Throws<McpGatewayException>(() => McpToolLookup.Single([Tool("echo")], "find-customer", "any dependency", ["ord:down"]));
        Assert.Empty(e.Candidates);
        Assert.Equal("There is no tool 'find-customer' on any dependency. 1 server(s) could not be listed: ord:down.", e.Message);
    }

    [Fact]
    public void Several_servers_with_the_name_is_AmbiguousTool_naming_them()
    {
        var e = Assert.Throws<McpGatewayException>(() => McpToolLookup.Single([Tool("ping", "ord:a"), Tool("ping", "ord:b"), Tool("echo")], "ping", "here"));
        Assert.Equal(McpErrorKind.AmbiguousTool, e.Kind);
        Assert.Equal(["ord:a", "ord:b"], e.Candidates);
        Assert.Contains("ord:a, ord:b", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weather", "get-weather")]
    [InlineData("get-wether", "get-weather")]
    [InlineData("find-customers", "find-customer")]
    public void Suggestions_cover_containment_and_small_edits(string typed, string expected) =>
        Assert.Equal(expected, McpToolLookup.ClosestNames(typed, ["echo", "ping", "get-weather", "find-customer", "add"]).First());

    [Fact]
    public void At_most_three_suggestions_best_first()
    {
        var names = McpToolLookup.ClosestNames("item-1", ["item-10", "item-11", "item-12", "item-13", "item-2", "other"]);
        Assert.Equal(McpToolLookup.MaxSuggestions, names.Count);
        Assert.Equal(["item-10", "item-11", "item-12"], names);
    }

    [Fact]
    public void Distance_is_Levenshtein_and_stops_past_the_limit()
    {
        Assert.Equal(3, McpToolLookup.Distance("kitten", "sitting", 5));
        Assert.Equal(3, McpToolLookup.Distance("kitten", "sitting", 2));
        Assert.Equal(0, McpToolLookup.Distance("same", "same", 1));
    }

    [Theory]
    [InlineData("ecoh", "echo", 1)]
    [InlineData("pnig", "ping", 1)]
    [InlineData("get-waether", "get-weather", 1)]
    [InlineData("eohc", "echo", 2)]          // two swaps
    [InlineData("ca", "abc", 3)]             // optimal string alignment: no edit inside a swapped pair
    public void A_swap_of_two_adjacent_letters_is_one_edit(string a, string b, int expected)
    {
        Assert.Equal(expected, McpToolLookup.Distance(a, b, 5));
        Assert.Equal(expected, McpToolLookup.Distance(b, a, 5));
    }

    [Fact]
    public void Two_swapped_letters_get_the_name_suggested()
    {
        var e = Assert.Throws<McpGatewayException>(() =>
            McpToolLookup.Single([Tool("echo"), Tool("ping"), Tool("get-weather"), Tool("add")], "ecoh", "the MCP server X"));

        Assert.Equal(["echo"], e.Candidates);
        Assert.Equal("There is no tool 'ecoh' on the MCP server X. Did you mean 'echo'?", e.Message);
    }

    [Fact]
    public void ThrowIfNoneNamed_ignores_case_as_a_literal_Get_McpTool_name_does()
    {
        McpToolLookup.ThrowIfNoneNamed("PING", [Tool("ping")], "here");
        var e = Assert.Throws<McpGatewayException>(() => McpToolLookup.ThrowIfNoneNamed("pong", [Tool("ping")], "the 1 server(s) listed"));
        Assert.Equal(McpErrorKind.ToolNotFound, e.Kind);
        Assert.Equal(["ping"], e.Candidates);
    }
}
