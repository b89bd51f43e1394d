using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the resources and resource templates of every MCP server the credentials name, of some (-OrdId), or of one endpoint (-Uri).</summary>
[Cmdlet(VerbsCommon.Get, "McpResource", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpResource))]
public sealed class GetMcpResourceCommand : PrimitiveCmdlet
{
    /// <summary>Only resources whose name matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpResourceNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only resources whose URI (or template) matches (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpResourceUriCompleter))]
    public string[]? ResourceUri { get; set; }

    /// <summary>Only these servers (ORD ids, wildcards allowed); filtered before any request.</summary>
    [Parameter(ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt) || !TryTargets(OrdId, userJwt, out var targets, out var auth) ||
            !TryRunOnPipeline(ct => State.Primitives.ListResourcesAsync(targets, auth, Timeout, ct), null, out var outcomes) || outcomes is null)
        {
            return;
        }

        WriteListing(outcomes, "resource", Name, resource => Matches(ResourceUri, resource.Uri ?? resource.UriTemplate), resource => new McpResource(resource));
    }
}
