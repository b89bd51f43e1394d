using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the resources and resource templates of every MCP server the credentials name, of some (-OrdId), or of one endpoint (-Uri).</summary>
[Cmdlet(VerbsCommon.Get, "McpResource", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpResource))]
public sealed class GetMcpResourceCommand : PrimitiveListingCmdlet
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

    protected override void ProcessRecord() =>
        ListAndWrite(
            (targets, auth, ct) => State.Primitives.ListResourcesAsync(targets, auth, Timeout, ct),
            "resource",
            Name,
            resource => Matches(ResourceUri, resource.Uri ?? resource.UriTemplate),
            resource => new McpResource(resource));
}
