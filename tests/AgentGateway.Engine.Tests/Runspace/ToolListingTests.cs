using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// The listings a runspace checks arguments against, against the sandbox: advice however old (one round trip per call,
/// whatever the server's ttlMs), listed again only when the check fails or the server refuses the headers (-32020);
/// current for completion only within their TTL. Each server's requests are counted.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ToolListingTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;

    public ToolListingTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.ResetStats();
        _runspace = new SandboxRunspace(_sandbox, _time);
        _session = _runspace.State;
    }

    public void Dispose()
    {
        _runspace.Dispose();
        _sandbox.SchemaRevision = 1;
        _sandbox.ToolListTtl = null;
        _sandbox.ToolListCacheScope = null;
        _sandbox.ModernRegionHeader = true;
    }

    private McpTarget Target(string serverName) => new(_sandbox.McpEndpoint(_sandbox.Server(serverName)));

    private async Task<McpCallResult> CallAsync(McpTarget target, string tool, Dictionary<string, object?> arguments) =>
        await (await _session.PrepareCallAsync(new McpCallRequest { ToolName = tool, Uri = target.Url, Arguments = arguments })).InvokeAsync();

    private async Task ListAsync(McpTarget target)
    {
        var auth = _session.Tokens.AuthFor(target.Url, null, null);
        var listing = Assert.Single(await _session.Tools.ListToolsAsync([target], auth, CancellationToken.None));
        Assert.Null(listing.Error);
    }

    [Theory]
    [InlineData("sandbox-modern")] // 2026-07-28 only, hand-written: ttlMs 0
    [InlineData("sandbox-mixed")] // SDK server at 2026-07-28, ttlMs 0 as SDK 2.4.0 servers answer by default
    [InlineData("sandbox-travel")] // SDK server at 2025-11-25 (a session), ttlMs 0
    [InlineData("sandbox-legacy")] // hand-written 2025-03-26, no ttlMs
    public async Task Five_calls_after_a_listing_are_five_posts_whatever_its_ttl(string serverName)
    {
        _sandbox.ToolListTtl = TimeSpan.Zero;
        var target = Target(serverName);
        await CallAsync(target, "echo", new() { ["message"] = "warm" }); // negotiation, session, token: done once
        await ListAsync(target);
        _sandbox.ResetStats();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"m{i}", (await CallAsync(target, "echo", new() { ["message"] = $"m{i}" })).Text);
        }

        var stats = _sandbox.GetStats().ForServer(serverName);
        Assert.Equal(5, stats.ToolsCall);
        Assert.Equal(0, stats.ToolsList);
        Assert.Equal(5, stats.Requests);
    }

    [Fact]
    public async Task A_listing_however_old_is_advice_for_the_check_but_not_offered_for_completion()
    {
        var target = Target("sandbox-travel");
        var auth = _session.Tokens.AuthFor(target.Url, null, null);
        await ListAsync(target);
        Assert.NotNull(_session.Tools.FindKnownTool(target.Url, auth, "echo"));

        _time.Advance(TimeSpan.FromHours(2));
        _sandbox.ResetStats();
        await CallAsync(target, "echo", new() { ["message"] = "old listing" });

        Assert.Equal(0, _sandbox.GetStats().ForServer("sandbox-travel").ToolsList);
        Assert.Null(_session.Tools.FindKnownTool(target.Url, auth, "echo")); // past ToolListCacheTtl: not current
    }

    [Fact]
    public async Task Arguments_that_fail_against_an_old_listing_are_checked_against_a_fresh_one_once_a_current_one_decides()
    {
        var target = Target("sandbox-travel");
        _sandbox.SchemaRevision = 2; // inspect-arguments requires 'name'
        await ListAsync(target);
        _sandbox.SchemaRevision = 1; // no longer
        _sandbox.ResetStats();

        // Within its TTL the listing decides: refused, nothing listed, nothing sent.
        await Assert.ThrowsAsync<McpArgumentException>(() => CallAsync(target, "inspect-arguments", []));
        Assert.Equal(0, _sandbox.GetStats().ForServer("sandbox-travel").ToolsList);

        // Older: advice. Checked against a fresh listing once, which accepts.
        _time.Advance(TimeSpan.FromSeconds(301));
        var result = await CallAsync(target, "inspect-arguments", []);

        Assert.False(result.IsError);
        var stats = _sandbox.GetStats().ForServer("sandbox-travel");
        Assert.Equal(1, stats.ToolsList);
        Assert.Equal(1, stats.ToolsCall);

        // Arguments an older listing and the fresh one both refuse: refused after one listing, nothing sent.
        _time.Advance(TimeSpan.FromSeconds(301));
        _sandbox.ResetStats();
        await Assert.ThrowsAsync<McpArgumentException>(() => CallAsync(target, "inspect-arguments", new() { ["count"] = "many" }));
        stats = _sandbox.GetStats().ForServer("sandbox-travel");
        Assert.Equal(1, stats.ToolsList);
        Assert.Equal(0, stats.ToolsCall);
    }

    [Fact]
    public async Task X_mcp_header_arguments_are_mirrored_from_the_first_call_of_a_new_client()
    {
        var target = Target("sandbox-modern");
        await ListAsync(target);
        await _session.Connections.ClearAsync(); // a new pooled client, which never listed
        _sandbox.ResetStats();

        var result = await CallAsync(target, "route", new() { ["region"] = "eu-10", ["message"] = "hi" });

        Assert.Equal("eu-10: hi", result.Text);
        var stats = _sandbox.GetStats().ForServer("sandbox-modern");
        Assert.Equal(0, stats.HeaderMismatches);
        Assert.Equal(1, stats.Requests);
    }

    [Fact]
    public async Task A_header_mismatch_answer_lists_again_once_and_sends_again()
    {
        var target = Target("sandbox-modern");
        _sandbox.ModernRegionHeader = false;
        try
        {
            await ListAsync(target); // region not yet a header
            _sandbox.ModernRegionHeader = true; // the server now wants Mcp-Param-Region
            _sandbox.ResetStats();

            var result = await CallAsync(target, "route", new() { ["region"] = "us-1", ["message"] = "again" });

            Assert.Equal("us-1: again", result.Text);
            var stats = _sandbox.GetStats().ForServer("sandbox-modern");
            Assert.Equal(1, stats.HeaderMismatches);
            Assert.Equal(1, stats.ToolsList);
            Assert.Equal(2, stats.ToolsCall);
        }
        finally
        {
            _sandbox.ModernRegionHeader = true;
        }
    }

    [Fact]
    public async Task A_server_that_says_its_tools_changed_has_its_listing_dropped_and_the_next_call_lists_again()
    {
        var target = Target("sandbox-modern");
        await ListAsync(target); // as Get-McpTool does: the last listing, offered for completion (its ttlMs is 0)
        Assert.Contains(_session.Tools.KnownTools, t => t.Url == target.Url);
        _sandbox.ResetStats();

        Assert.Equal("changed", (await CallAsync(target, "change", [])).Text); // notifications/tools/list_changed on its stream
        for (var i = 0; i < 100 && _session.Tools.KnownTools.Any(t => t.Url == target.Url); i++)
        {
            await Task.Delay(20); // the SDK hands notifications to their handler on its own thread
        }

        Assert.DoesNotContain(_session.Tools.KnownTools, t => t.Url == target.Url);
        await CallAsync(target, "echo", new() { ["message"] = "again" });
        Assert.Equal(1, _sandbox.GetStats().ForServer("sandbox-modern").ToolsList);
    }

    [Fact]
    public async Task Completion_offers_a_listing_while_it_is_current_the_shorter_ttl_winning()
    {
        var target = Target("sandbox-travel");
        var auth = _session.Tokens.AuthFor(target.Url, null, null);
        _sandbox.ToolListTtl = TimeSpan.FromSeconds(10);
        await ListAsync(target);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Contains(_session.Tools.KnownTools, t => t.Url == target.Url && t.Name == "echo");
        Assert.NotNull(_session.Tools.FindKnownTool(target.Url, auth, "echo"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(_session.Tools.FindKnownTool(target.Url, auth, "echo"));
    }

    [Fact]
    public async Task The_configured_ttl_applies_when_shorter()
    {
        var target = Target("sandbox-travel");
        var auth = _session.Tokens.AuthFor(target.Url, null, null);
        _session.UpdateConfig(c => c.With(toolListCacheTtl: TimeSpan.FromSeconds(30)));
        _sandbox.ToolListTtl = TimeSpan.FromSeconds(600);
        await ListAsync(target);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(_session.Tools.FindKnownTool(target.Url, auth, "echo"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(_session.Tools.FindKnownTool(target.Url, auth, "echo"));
    }

    [Theory]
    [InlineData(CacheScope.Public, true)]
    [InlineData(CacheScope.Private, false)]
    [InlineData(null, false)] // said nothing: an older server, or a gateway that may list per user, is not shared
    public async Task A_listing_the_server_calls_public_answers_another_user_and_a_private_one_does_not(CacheScope? scope, bool shared)
    {
        var target = Target("sandbox-travel");
        _sandbox.ToolListTtl = TimeSpan.FromSeconds(600);
        _sandbox.ToolListCacheScope = scope;
        var alice = _session.Tokens.AuthFor(target.Url, _sandbox.IssueUserJwt("alice"), null);
        var bob = _session.Tokens.AuthFor(target.Url, _sandbox.IssueUserJwt("bob"), null);
        Assert.NotEqual(alice.IdentityFor(target.Url), bob.IdentityFor(target.Url));

        var listing = Assert.Single(await _session.Tools.ListToolsAsync([target], alice, CancellationToken.None));
        Assert.Null(listing.Error);

        Assert.NotNull(_session.Tools.FindKnownTool(target.Url, alice, "echo"));
        Assert.Equal(shared, _session.Tools.FindKnownTool(target.Url, bob, "echo") is not null);
    }
}
