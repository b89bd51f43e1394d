using System.Management.Automation;
using AgentGateway.Engine.Mcp;
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

        var names = new List<string>();
        foreach (var resource in Succeeded(outcomes))
        {
            if (resource.Problem is not null)
            {
                WriteError(ErrorRecords.From(McpGatewayException.Protocol($"The MCP server '{resource.ServerName}' listed an unusable entry: {resource.Problem}.", resource.Url), resource.Url));
                continue;
            }

            names.Add(resource.Name);
            if (Matches(Name, resource.Name) && Matches(ResourceUri, resource.Uri ?? resource.UriTemplate))
            {
                WriteObject(new McpResource(resource));
            }
        }

        // A literal name that matches no listed resource is an error (with the closest names); a wildcard that matches none is not.
        if (outcomes.Any(o => o.Succeeded))
        {
            foreach (var literal in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !names.Contains(n, StringComparer.OrdinalIgnoreCase)) ?? [])
            {
                WriteError(ErrorRecords.PrimitiveNotFound("resource", literal, names));
            }
        }
    }
}
