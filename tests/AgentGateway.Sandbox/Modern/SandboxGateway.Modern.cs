using AgentGateway.Sandbox.Modern;

namespace AgentGateway.Sandbox;

/// <summary>The 2026-07-28-only servers of the sandbox (issue 21): on the gateway beside the revision servers, not named by the credentials.</summary>
public sealed partial class SandboxGateway
{
    private readonly Dictionary<string, SandboxModernServer> _modern = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether <c>route</c> of the 2026-07-28-only servers lists its <c>region</c> with <c>x-mcp-header</c> and requires
    /// the <c>Mcp-Param-Region</c> header (default on); off and on again is a schema change a client's listing may predate.
    /// </summary>
    public bool ModernRegionHeader
    {
        get => _modern.Values.All(s => s.RegionHeader);
        set
        {
            foreach (var server in _modern.Values)
            {
                server.RegionHeader = value;
            }
        }
    }

    /// <summary>
    /// Adds <c>sandbox-modern</c> (2026-07-28 only; <c>initialize</c> is -32601) and <c>sandbox-modern-400</c> (the same,
    /// <c>initialize</c> is HTTP 400 with -32022): see <see cref="SandboxModernServer"/>; and
    /// <c>sandbox-probe-405</c> (initialize-only, <c>server/discover</c> gets HTTP 405) and <c>sandbox-probe-old</c>
    /// (initialize-only, its discovery lists 2025-06-18 and 2025-11-25).
    /// </summary>
    private void AddModernServers(string globalTenantId)
    {
        Add("modern", initializeAsHttp400: false);
        Add("modern-400", initializeAsHttp400: true);

        // Initialize-only servers whose discovery answer the SDK alone would not fall back on, or that lists older revisions only.
        AddLegacy(new SandboxLegacyServer("sandbox-probe-405", "2025-11-25", discoverStatus: 405));
        AddLegacy(new SandboxLegacyServer("sandbox-probe-old", "2025-11-25", new System.Text.Json.Nodes.JsonObject
        {
            ["supportedVersions"] = new System.Text.Json.Nodes.JsonArray("2025-06-18", "2025-11-25"),
            ["capabilities"] = new System.Text.Json.Nodes.JsonObject(),
        }));

        void AddLegacy(SandboxLegacyServer server)
        {
            var name = server.Name;
            var dependency = new SandboxDependency($"sap.sandbox:mcpServer:{name["sandbox-".Length..]}:v1", globalTenantId, name) { Kind = SandboxServerKind.Legacy };
            _revisionServers.Add(dependency);
            _handWritten[dependency.OrdId] = server;
        }

        void Add(string name, bool initializeAsHttp400)
        {
            var dependency = new SandboxDependency($"sap.sandbox:mcpServer:{name}:v1", globalTenantId, $"sandbox-{name}") { Kind = SandboxServerKind.Legacy };
            var server = new SandboxModernServer(dependency.ServerName!, Stats, initializeAsHttp400);
            _revisionServers.Add(dependency);
            _modern[dependency.OrdId] = server;
            _hostile[dependency.OrdId] = server.HandleAsync;
        }
    }
}
