using AgentGateway.Sandbox.Hostile;

namespace AgentGateway.Sandbox;

/// <summary>The hostile servers of the sandbox: on the gateway beside the revision servers, not named by the credentials (reach them with -Uri).</summary>
public sealed partial class SandboxGateway
{
    /// <summary>How many tools <c>sandbox-many-tools</c> lists.</summary>
    public const int ManyToolsCount = 5000;

    /// <summary>
    /// The folder the payloads of <c>sandbox-hostile</c> and <c>sandbox-hostile-twin</c> would create their files in
    /// (empty, under the sandbox's temp folder): a file there means code from a listing ran.
    /// </summary>
    public string HostileMarkerDirectory { get; private set; } = null!;

    /// <summary>
    /// Adds <c>sandbox-hostile</c> (every field of its listing a payload, see <see cref="HostileListingServer.Payloads"/>),
    /// <c>sandbox-hostile-twin</c> (another hostile server name, some of the payloads, and tools named like the first's),
    /// <c>sandbox-hostile-exploit</c> (one way out only: a line break and <c>#&gt;</c> that closes the function, in every
    /// field; a generator that let it out of a comment would run its command, as the module did before issue 19's fix)
    /// and <c>sandbox-many-tools</c> (<see cref="ManyToolsCount"/> ordinary tools, for the bench).
    /// </summary>
    private void AddHostileServers(string globalTenantId)
    {
        HostileMarkerDirectory = Directory.CreateDirectory(Path.Combine(_tempDir, "hostile-markers")).FullName;
        Add("hostile", HostileListingServer.Payloads(HostileMarkerDirectory, "a"));
        Add("hostile-twin", HostileListingServer.Payloads(HostileMarkerDirectory, "b", [1, 4, 8, 14, 17]));
        Add("hostile-exploit", HostileListingServer.Payloads(HostileMarkerDirectory, "c", [0]));
        Add("many-tools", HostileListingServer.Many("sandbox-many-tools", ManyToolsCount));

        void Add(string name, HostileListingServer server)
        {
            var dependency = new SandboxDependency($"sap.sandbox:mcpServer:{name}:v1", globalTenantId, $"sandbox-{name}") { Kind = SandboxServerKind.Legacy };
            _revisionServers.Add(dependency);
            _hostile[dependency.OrdId] = server.HandleAsync;
        }
    }
}
