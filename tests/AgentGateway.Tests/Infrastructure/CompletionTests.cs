using System.Collections;
using System.Management.Automation;
using AgentGateway.Engine.Mcp.Prompts;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// What the name completers share (tools, prompts, resources): the first listing a Tab starts and waits for a bounded
/// while, one completion a name as one argument, and which servers' entries a line means. Nothing here reaches the
/// network or waits: a listing is a task the test completes.
/// </summary>
public sealed class CompletionTests
{
    private static readonly Uri s_travel = new("https://gateway.example.test/v1/mcp/travel");
    private static readonly Uri s_crm = new("https://gateway.example.test/v1/mcp/crm");

    [Fact]
    public void Entries_known_now_are_offered_without_starting_a_listing()
    {
        var started = 0;
        var offered = Completion.KnownOrListed<string>(() => ["known"], () => { started++; return Task.CompletedTask; }, TimeSpan.Zero);

        Assert.Equal(["known"], offered);
        Assert.Equal(0, started);
    }

    [Fact]
    public void With_none_known_a_listing_starts_and_what_it_brings_in_time_is_offered_by_this_Tab()
    {
        var listed = new List<string>();
        var offered = Completion.KnownOrListed<string>(() => [.. listed], () => { listed.Add("listed"); return Task.CompletedTask; }, TimeSpan.Zero);

        Assert.Equal(["listed"], offered);
    }

    [Fact]
    public void A_listing_that_comes_later_is_the_next_Tabs_and_the_next_Tab_starts_none()
    {
        var listed = new List<string>();
        var listing = new TaskCompletionSource();
        var started = 0;
        Task List()
        {
            started++;
            return listing.Task;
        }

        var first = Completion.KnownOrListed<string>(() => [.. listed], List, TimeSpan.Zero);
        listed.Add("late");
        listing.SetResult();
        var next = Completion.KnownOrListed<string>(() => [.. listed], List, TimeSpan.Zero);

        Assert.Empty(first);
        Assert.Equal(["late"], next);
        Assert.Equal(1, started);
    }

    [Fact]
    public void A_listing_that_fails_or_none_to_start_offers_nothing_and_never_throws()
    {
        Assert.Empty(Completion.KnownOrListed<string>(() => [], () => Task.FromException(new InvalidOperationException("down")), TimeSpan.Zero));
        Assert.Empty(Completion.KnownOrListed<string>(() => [], null, TimeSpan.Zero));
    }

    [Fact]
    public void A_name_several_servers_list_is_offered_once_naming_them_ordered_ignoring_case_and_as_one_argument()
    {
        McpPromptInfo[] entries =
        [
            Prompt("plan-trip", "travel", "Plans a trip."),
            Prompt("plan-trip", "agency", "Plans another."),
            Prompt("Plan b", "crm", null),
            Prompt("greet", "travel", "Hello."),
        ];

        var offered = Completion.Names(entries, "pl", escapeWildcards: false).ToArray();

        Assert.Equal(["'Plan b'", "plan-trip"], offered.Select(c => c.CompletionText));
        Assert.Equal("plan-trip (travel, agency): Plans a trip.", offered[1].ToolTip);
        Assert.Equal("Plan b", offered[0].ListItemText);
    }

    [Fact]
    public void Where_the_parameter_takes_wildcards_a_name_selects_only_itself()
    {
        var offered = Completion.Names([Prompt("a[1]*", "s", null)], string.Empty, escapeWildcards: true).Single();

        Assert.Equal("'a`[1`]`*'", offered.CompletionText);
        var selects = new WildcardPattern("a`[1`]`*");
        Assert.True(selects.IsMatch("a[1]*"));
        Assert.False(selects.IsMatch("a1x"));
    }

    [Fact]
    public void The_OrdId_on_the_line_is_one_or_several_patterns()
    {
        Assert.Empty(Completion.OrdIdPatterns(new Hashtable()));
        Assert.Empty(Completion.OrdIdPatterns(null));
        var one = Completion.OrdIdPatterns(new Hashtable { ["OrdId"] = "sap.sandbox:mcpServer:travel:v1" });
        var several = Completion.OrdIdPatterns(new Hashtable { ["OrdId"] = new object[] { "*crm*", "*travel*" } });

        Assert.True(Completion.HasOrdId(one, "SAP.sandbox:mcpServer:travel:v1"));
        Assert.False(Completion.HasOrdId(one, "sap.sandbox:mcpServer:crm:v1"));
        Assert.False(Completion.HasOrdId(one, null));
        Assert.True(Completion.HasOrdId(several, "sap.sandbox:mcpServer:crm:v1"));
        Assert.True(Completion.HasOrdId([], null));
    }

    [Fact]
    public void A_line_that_names_one_server_means_its_entries_only_else_those_of_its_OrdId_patterns()
    {
        var uri = PrimitiveScope.Local(s_travel);
        var dependencies = new PrimitiveScope([new(s_travel), new(s_crm)], Engine.Mcp.Transport.McpAuth.None, IsDependencies: true);
        var crm = Completion.OrdIdPatterns(new Hashtable { ["OrdId"] = "*crm*" });

        Assert.True(PrimitiveCompletion.IsMeant(uri, [], s_travel, null));
        Assert.False(PrimitiveCompletion.IsMeant(uri, [], s_crm, "sap.sandbox:mcpServer:crm:v1"));
        Assert.True(PrimitiveCompletion.IsMeant(dependencies, [], s_crm, "sap.sandbox:mcpServer:crm:v1"));
        Assert.True(PrimitiveCompletion.IsMeant(null, [], s_crm, null));
        Assert.True(PrimitiveCompletion.IsMeant(null, crm, s_crm, "sap.sandbox:mcpServer:crm:v1"));
        Assert.False(PrimitiveCompletion.IsMeant(dependencies, crm, s_travel, "sap.sandbox:mcpServer:travel:v1"));
    }

    private static McpPromptInfo Prompt(string name, string server, string? description) =>
        new() { Name = name, ServerName = server, Description = description, Url = s_travel };
}
