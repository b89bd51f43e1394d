using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>The listings a session checks arguments against, against the sandbox: they expire, so a changed schema is picked up.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ToolListingTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-listing-");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RunspaceState _session;

    public ToolListingTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.ResetStats();
        var credentials = _sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, "creds.json"));
        _session = new RunspaceState(_ => null, _time);
        _session.UpdateConfig(c => c.With(credentialPath: credentials, trustedCaPath: _sandbox.CaCertificatePath));
    }

    public void Dispose()
    {
        _session.Dispose();
        _sandbox.SchemaRevision = 1;
        _sandbox.ToolListTtl = null;
        _dir.Delete(recursive: true);
    }

    private async Task<McpToolInfo> InspectToolAsync()
    {
        var target = _session.Tokens.TargetForOrdId(_sandbox.Dependencies.Single(d => d.ServerName == "sandbox-travel").OrdId);
        var auth = _session.Tokens.AuthFor(target.Url, null, null);
        return (await _session.Tools.FindToolAsync(target, auth, "inspect-arguments", CancellationToken.None))!;
    }

    private static bool Accepts(McpToolInfo tool, JsonObject arguments)
    {
        try
        {
            ToolArgumentValidator.ThrowIfInvalid(tool, arguments);
            return true;
        }
        catch (McpArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_changed_schema_is_picked_up_once_the_listing_expires()
    {
        // Defect 5: listings used to be kept for the life of the runspace.
        Assert.True(Accepts(await InspectToolAsync(), []));
        _sandbox.SchemaRevision = 2; // the server now requires 'name'

        _time.Advance(TimeSpan.FromSeconds(299));
        var cached = await InspectToolAsync();
        var listedBefore = _sandbox.GetStats().ToolsList;
        _time.Advance(TimeSpan.FromSeconds(2));
        var current = await InspectToolAsync();

        Assert.True(Accepts(cached, []));
        Assert.Equal(1, listedBefore);
        Assert.False(Accepts(current, []));
        Assert.True(Accepts(current, new JsonObject { ["name"] = "n" }));
        Assert.Equal(2, _sandbox.GetStats().ToolsList);
    }

    [Fact]
    public async Task A_shorter_ttl_from_the_server_wins()
    {
        _sandbox.ToolListTtl = TimeSpan.FromSeconds(10);
        await InspectToolAsync();

        _time.Advance(TimeSpan.FromSeconds(9));
        await InspectToolAsync();
        Assert.Equal(1, _sandbox.GetStats().ToolsList);
        _time.Advance(TimeSpan.FromSeconds(2));
        await InspectToolAsync();

        Assert.Equal(2, _sandbox.GetStats().ToolsList);
    }

    [Fact]
    public async Task The_configured_ttl_applies_when_shorter()
    {
        _session.UpdateConfig(c => c.With(toolListCacheTtl: TimeSpan.FromSeconds(30)));
        _sandbox.ToolListTtl = TimeSpan.FromSeconds(600);
        await InspectToolAsync();

        _time.Advance(TimeSpan.FromSeconds(31));
        await InspectToolAsync();

        Assert.Equal(2, _sandbox.GetStats().ToolsList);
    }
}
