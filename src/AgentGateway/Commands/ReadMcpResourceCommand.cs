using System.Collections;
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
public sealed class ReadMcpResourceCommand : PrimitiveCmdlet, IDynamicParameters
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

    /// <summary>The dependency to read from (its ORD id); without it, the one dependency that lists the resource.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string? OrdId { get; set; }

    /// <summary>The values of a template's variables (a hashtable or an object; values are sent as strings).</summary>
    [Parameter(Position = 1)]
    [HashtableTransformation]
    public IDictionary? Arguments { get; set; }

    /// <summary>Writes the content to this file (one item) or into this folder (several, named from their URIs) instead of the pipeline.</summary>
    [Parameter]
    public string? OutFile { get; set; }

    /// <summary>With -OutFile, writes the content objects as well.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private RuntimeDefinedParameterDictionary? _variables;

    /// <summary>The variables of a template given as -ResourceUri, as parameters of their own (for Tab); from its text, never the network.</summary>
    public object? GetDynamicParameters() =>
        _variables = ResourceUri is { } template && template.Contains('{', StringComparison.Ordinal)
            ? PrimitiveArgumentParameters.Make(GetType(), McpUriTemplate.Variables(template))
            : null;

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt) || !TryEngine(() => Resolve(userJwt), InputObject?.ResourceUri ?? ResourceUri, out var read) || read.Auth is null)
        {
            return;
        }

        var (target, auth, resourceUri) = read;
        if (target is null)
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

    /// <summary>The target (null: look it up on the dependencies), its auth, and the URI to read (a template filled).</summary>
    private (McpTarget? Target, McpAuth? Auth, string ResourceUri) Resolve(string? userJwt)
    {
        var arguments = PrimitiveArgumentParameters.Merge(StringArguments(Arguments), _variables);
        var accessToken = SecureStringTransformationAttribute.Reveal(AccessToken);
        if (InputObject is { } piped)
        {
            var info = piped.Info;
            var uri = info.IsTemplate || arguments is not null ? McpUriTemplate.Fill(info.Uri ?? info.UriTemplate!, arguments ?? []) : info.Uri!;
            return (info.Target, McpLocalServer.IsLocal(info.Url) ? McpAuth.None : State.Tokens.AuthFor(info.Url, userJwt, accessToken), uri);
        }

        var resourceUri = arguments is null ? ResourceUri! : McpUriTemplate.Fill(ResourceUri!, arguments);
        if (ParameterSetName == CommandSet)
        {
            return (new McpTarget(LocalServerBinding.Resolve(this, Command!, ArgumentList, WorkingDirectory, Environment).Endpoint), McpAuth.None, resourceUri);
        }

        if (ParameterSetName == UriSet)
        {
            var target = new McpTarget(Uri!);
            return (target, State.Tokens.AuthFor(target.Url, userJwt, accessToken), resourceUri);
        }

        if (OrdId is null)
        {
            // The one dependency that lists it is looked up over the network, below.
            return (null, McpAuth.None, resourceUri);
        }

        var dependency = State.Tokens.TargetForOrdId(OrdId);
        return (dependency, State.Tokens.AuthFor(dependency.Url, userJwt, null), resourceUri);
    }
}
