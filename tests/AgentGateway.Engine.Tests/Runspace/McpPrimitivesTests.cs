using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Resources;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>Resources, resource templates and prompts of the sandbox's servers, through the runspace state (the cmdlets' way in).</summary>
[Collection(SandboxCollection.Name)]
public sealed class McpPrimitivesTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _state;

    public McpPrimitivesTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _runspace = new SandboxRunspace(_sandbox);
        _state = _runspace.State;
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }

    private (McpTarget Target, AgentGateway.Engine.Mcp.Transport.McpAuth Auth) Server(string name)
    {
        var target = _state.Tokens.TargetForOrdId(_sandbox.Dependencies.Single(d => d.ServerName == name).OrdId);
        return (target, _state.Tokens.AuthFor(target.Url, null, null));
    }

    [Fact]
    public async Task Every_dependency_is_listed_and_one_that_is_down_fails_alone()
    {
        var targets = _state.Tokens.DependencyTargets();
        var auth = _state.Tokens.AuthFor(targets[0].Url, null, null);

        var outcomes = await _state.Primitives.ListResourcesAsync(targets, auth, null, CancellationToken.None);

        Assert.Equal(targets.Count, outcomes.Count);
        var travel = outcomes.Single(o => o.Target.Dependency!.OrdId.Contains(":travel:", StringComparison.Ordinal)).Value!;
        Assert.Equal(["travel://guides/lisbon", "travel://images/logo.png"], travel.Where(r => !r.IsTemplate).Select(r => r.Uri));
        Assert.Equal(["travel://guides/{city}", "travel://bundle/{name}"], travel.Where(r => r.IsTemplate).Select(r => r.UriTemplate));
        Assert.Equal(["city"], travel.Single(r => r.Name == "city-guide").Variables);
        Assert.All(travel, r => Assert.Equal("sandbox-travel", r.ServerName));
        Assert.Equal(SandboxPrimitives.Logo.Length, travel.Single(r => r.Name == "logo").Size);
        Assert.Equal("customer-index", Assert.Single(outcomes.Single(o => o.Target.Dependency!.OrdId.Contains(":crm:", StringComparison.Ordinal)).Value!).Name);
        Assert.Empty(outcomes.Single(o => o.Target.Dependency!.OrdId.Contains(":catalog:", StringComparison.Ordinal)).Value!); // declares no resources
        Assert.NotNull(outcomes.Single(o => o.Target.Dependency!.OrdId.Contains(":offline:", StringComparison.Ordinal)).Error);
        Assert.Contains(_state.Primitives.KnownResources, r => r.Uri == "travel://guides/lisbon");
    }

    [Fact]
    public async Task A_text_a_blob_and_a_filled_template_are_read()
    {
        var (target, auth) = Server("sandbox-travel");

        var text = Assert.Single(await _state.Primitives.ReadResourceAsync(target, auth, "travel://guides/lisbon", null, CancellationToken.None));
        var blob = Assert.Single(await _state.Primitives.ReadResourceAsync(target, auth, "travel://images/logo.png", null, CancellationToken.None));
        var filled = McpUriTemplate.Fill("travel://guides/{city}", new Dictionary<string, string?> { ["city"] = "São Paulo" });
        var guide = Assert.Single(await _state.Primitives.ReadResourceAsync(target, auth, filled, null, CancellationToken.None));
        var bundle = await _state.Primitives.ReadResourceAsync(target, auth, "travel://bundle/b1", null, CancellationToken.None);

        Assert.Equal("# lisbon\nSee the sights of lisbon.", text.Text);
        Assert.Equal("text/markdown", text.MimeType);
        Assert.Null(text.Blob);
        Assert.Equal(SandboxPrimitives.Logo, blob.Blob);
        Assert.Null(blob.Text);
        Assert.Equal(SandboxPrimitives.Logo.Length, blob.Size);
        Assert.Equal("travel://guides/S%C3%A3o%20Paulo", filled);
        Assert.Equal("# São Paulo\nSee the sights of São Paulo.", guide.Text);
        Assert.Equal(["travel://bundle/b1/readme.txt", "travel://bundle/b1/logo.png"], bundle.Select(i => i.ResourceUri));
    }

    [Fact]
    public async Task An_unknown_resource_is_the_servers_json_rpc_error_and_a_server_without_resources_is_named()
    {
        var (travel, auth) = Server("sandbox-travel");
        var (catalog, _) = Server("sandbox-catalog");

        var unknown = await Assert.ThrowsAsync<McpGatewayException>(() => _state.Primitives.ReadResourceAsync(travel, auth, "travel://nowhere", null, CancellationToken.None));
        var none = await Assert.ThrowsAsync<McpPrimitiveException>(() => _state.Primitives.ReadResourceAsync(catalog, auth, "catalog://x", null, CancellationToken.None));

        Assert.Equal(McpErrorKind.Protocol, unknown.Kind);
        Assert.Equal(-32002, unknown.RpcErrorCode);
        Assert.Equal(McpPrimitiveProblem.NotOffered, none.Problem);
        Assert.Contains("sandbox-catalog", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_answer_above_the_response_size_limit_fails_there()
    {
        _state.UpdateConfig(c => c.With(maxResponseSizeMB: 0.0002)); // about 200 bytes
        var (target, auth) = Server("sandbox-travel");

        var e = await Assert.ThrowsAsync<McpGatewayException>(() => _state.Primitives.ReadResourceAsync(target, auth, "travel://bundle/big", null, CancellationToken.None));

        Assert.Equal(McpErrorKind.ResponseTooLarge, e.Kind);
    }

    [Fact]
    public async Task The_one_dependency_that_lists_a_resource_or_a_template_it_fits_is_found()
    {
        var (byUri, _) = await _state.Primitives.FindResourceServerAsync("crm://customers/index.json", null, null, CancellationToken.None);
        var (byTemplate, _) = await _state.Primitives.FindResourceServerAsync("travel://guides/Paris", null, null, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<McpPrimitiveException>(() => _state.Primitives.FindResourceServerAsync("crm://customers/index.jsn", null, null, CancellationToken.None));

        Assert.Contains(":crm:", byUri.Dependency!.OrdId, StringComparison.Ordinal);
        Assert.Contains(":travel:", byTemplate.Dependency!.OrdId, StringComparison.Ordinal);
        Assert.Equal(McpPrimitiveProblem.NotFound, missing.Problem);
        Assert.Contains("crm://customers/index.json", missing.Candidates);
    }

    [Fact]
    public async Task A_prompt_is_listed_with_its_arguments_and_rendered_with_every_kind_of_message()
    {
        var (target, auth) = Server("sandbox-travel");

        var listed = (await _state.Primitives.ListPromptsAsync([target], auth, null, CancellationToken.None))[0].Value!;
        var (prompt, promptAuth) = await _state.Primitives.FindPromptAsync(target, auth, "plan-trip", null, null, CancellationToken.None);
        var messages = await _state.Primitives.GetPromptAsync(prompt, promptAuth, new Dictionary<string, string> { ["destination"] = "Lisbon", ["nights"] = "2" }, null, CancellationToken.None);

        Assert.Equal(["plan-trip", "greet"], listed.Select(p => p.Name));
        Assert.Equal(["destination", "nights"], prompt.Arguments.Select(a => a.Name));
        Assert.Equal([true, false], prompt.Arguments.Select(a => a.Required));
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.Role));
        Assert.Equal("Plan 2 nights in Lisbon.", messages[0].Text);
        Assert.Equal(SandboxPrimitives.Logo, Assert.IsType<McpImageContent>(messages[1].Content).GetBytes());
        Assert.Equal("travel://guides/lisbon", Assert.IsType<McpEmbeddedResourceContent>(messages[2].Content).Uri);
        Assert.Equal("# Lisbon", messages[2].Text);
        Assert.Equal("A trip plan", messages[0].PromptDescription);
    }

    [Fact]
    public async Task Missing_or_unknown_prompt_arguments_are_refused_before_anything_is_sent()
    {
        var (target, auth) = Server("sandbox-travel");
        var (prompt, promptAuth) = await _state.Primitives.FindPromptAsync(target, auth, "plan-trip", null, null, CancellationToken.None);
        var before = _sandbox.GetStats().McpRequests;

        var missing = await Assert.ThrowsAsync<McpPrimitiveException>(() => _state.Primitives.GetPromptAsync(prompt, promptAuth, new Dictionary<string, string> { ["nights"] = "2" }, null, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<McpPrimitiveException>(() => _state.Primitives.GetPromptAsync(prompt, promptAuth, new Dictionary<string, string> { ["destination"] = "x", ["budget"] = "secret-value" }, null, CancellationToken.None));

        Assert.Equal(before, _sandbox.GetStats().McpRequests);
        Assert.Equal(McpPrimitiveProblem.ArgumentsInvalid, missing.Problem);
        Assert.Contains("'destination'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'budget'", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("prompt", unknown.Primitive);
    }

    [Fact]
    public async Task A_prompt_is_found_on_the_one_dependency_that_lists_it_or_named_as_missing_with_the_closest()
    {
        var (prompt, _) = await _state.Primitives.FindPromptAsync(null, null, "summarize-customer", null, null, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<McpPrimitiveException>(() => _state.Primitives.FindPromptAsync(null, null, "plan-trp", null, null, CancellationToken.None));

        Assert.Equal("sandbox-crm", prompt.ServerName);
        Assert.Equal(McpPrimitiveProblem.NotFound, missing.Problem);
        Assert.Contains("plan-trip", missing.Candidates);
    }

    [Fact]
    public async Task A_listing_in_the_background_runs_once_per_endpoint_and_identity_and_not_again_while_current()
    {
        var (target, auth) = Server("sandbox-travel");
        var before = _sandbox.GetStats().McpRequests;

        var first = _state.Primitives.ListPromptsInBackground([target], auth);
        var second = _state.Primitives.ListPromptsInBackground([target], auth);
        await first;
        await second;
        var listed = _sandbox.GetStats().McpRequests;
        var third = _state.Primitives.ListPromptsInBackground([target, target], auth);

        Assert.True(ReferenceEquals(first, second) || second.IsCompleted, "a second caller gets the listing under way");
        Assert.True(listed > before);
        Assert.True(third.IsCompletedSuccessfully, "a listed endpoint is not listed again");
        Assert.Equal(listed, _sandbox.GetStats().McpRequests);
        Assert.Equal(["destination", "nights"], _state.Primitives.KnownPrompts.Single(p => p.Name == "plan-trip").Arguments.Select(a => a.Name));
        Assert.DoesNotContain(_state.Primitives.KnownResources, r => r.Url == target.Url);
    }

    [Fact]
    public async Task A_background_listing_that_fails_never_throws_lists_nothing_and_is_tried_again()
    {
        var (travel, auth) = Server("sandbox-travel");
        var offline = _state.Tokens.TargetForOrdId("sap.sandbox:mcpServer:offline:v1");

        await _state.Primitives.ListResourcesInBackground([offline, travel], auth);
        var again = _state.Primitives.ListResourcesInBackground([offline, travel], auth);
        await again;

        Assert.False(again.IsFaulted);
        Assert.Contains(_state.Primitives.KnownResources, r => r.UriTemplate == "travel://guides/{city}");
        Assert.DoesNotContain(_state.Primitives.KnownResources, r => r.Url == offline.Url);
        Assert.NotSame(Task.CompletedTask, again);
    }

    [Fact]
    public async Task Only_the_servers_not_listed_for_the_identity_are_listed_for_a_prompts_parameters_each_failure_its_own()
    {
        var (travel, auth) = Server("sandbox-travel");
        var offline = _state.Tokens.TargetForOrdId("sap.sandbox:mcpServer:offline:v1");

        var first = await _state.Primitives.ListUnlistedPromptsAsync([travel, offline], auth, null, CancellationToken.None);
        var before = _sandbox.GetStats().McpRequests;
        var listedAlready = await _state.Primitives.ListUnlistedPromptsAsync([travel, travel], auth, null, CancellationToken.None);

        Assert.Equal(2, first.Count);
        Assert.Null(first.Single(o => o.Target.Url == travel.Url).Error);
        Assert.NotNull(first.Single(o => o.Target.Url == offline.Url).Error);
        Assert.Empty(listedAlready);
        Assert.Equal(before, _sandbox.GetStats().McpRequests);
    }
}
