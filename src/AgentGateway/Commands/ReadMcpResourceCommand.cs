using System.Management.Automation;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Resources;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Reads a resource (piped from Get-McpResource, or by its URI; a template filled from -Arguments) and writes one
/// object per content item, or with -OutFile writes the items to a file (one item) or a folder (several).
/// </summary>
[Cmdlet(VerbsCommunications.Read, "McpResource", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpResourceContent))]
public sealed class ReadMcpResourceCommand : PrimitiveRequestCmdlet
{
    private const string ResourceSet = "Resource";

    /// <summary>A resource or template from Get-McpResource.</summary>
    [Parameter(ParameterSetName = ResourceSet, Mandatory = true, ValueFromPipeline = true)]
    public McpResource? InputObject { get; set; }

    /// <summary>The resource's URI (or a URI template filled from -Arguments).</summary>
    [Parameter(ParameterSetName = GatewaySet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = UriSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CommandSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(McpResourceUriCompleter))]
    public string? ResourceUri { get; set; }

    /// <summary>Writes the content to this file (one item) or into this folder (several, named from their URIs) instead of the pipeline.</summary>
    [Parameter]
    public string? OutFile { get; set; }

    /// <summary>With -OutFile, writes the content objects as well.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The variables of a template given as -ResourceUri, from its text (none for a plain URI).</summary>
    private protected override IEnumerable<string>? ArgumentNames() =>
        ResourceUri is { } template && template.Contains('{', StringComparison.Ordinal) ? McpUriTemplate.Variables(template) : null;

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt) || !TryEngine(() => Resolve(userJwt), InputObject?.ResourceUri ?? ResourceUri, out var read))
        {
            return;
        }

        var (target, auth, resourceUri) = read;
        if (target is null || auth is null)
        {
            if (!TryRunOnPipeline(ct => State.Primitives.FindResourceServerAsync(resourceUri, userJwt, Timeout, ct), resourceUri, out var found))
            {
                return;
            }

            (target, auth) = found;
        }

        if (!TryRunOnPipeline(ct => State.Primitives.ReadResourceAsync(target, auth, resourceUri, Timeout, ct), resourceUri, out var items) || items is null)
        {
            return;
        }

        if (OutFile is not null)
        {
            var path = GetUnresolvedProviderPathFromPSPath(OutFile);
            if (!TryEngine(() => McpResourceFiles.Write(items, path), OutFile, out _) || !PassThru)
            {
                return;
            }
        }

        foreach (var item in items)
        {
            WriteObject(new McpResourceContent(item));
        }
    }

    /// <summary>The target and its auth (null: look it up on the dependencies), and the URI to read (a template filled).</summary>
    private (McpTarget? Target, McpAuth? Auth, string ResourceUri) Resolve(string? userJwt)
    {
        var arguments = GivenArguments();
        var info = InputObject?.Info;
        var resourceUri = info is null ? (arguments is null ? ResourceUri! : McpUriTemplate.Fill(ResourceUri!, arguments))
            : info.IsTemplate || arguments is not null ? McpUriTemplate.Fill(info.Uri ?? info.UriTemplate!, arguments ?? []) : info.Uri!;
        var (target, auth) = TargetOf(info, userJwt);
        return (target, auth, resourceUri);
    }
}
