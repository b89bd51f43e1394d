using System.Collections;
using System.Management.Automation;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of Get-McpPromptMessage and Read-McpResource: one prompt or resource, piped or named, on a dependency
/// (-OrdId), an endpoint (-Uri), a local server (-Command) or the one dependency that lists it; -Arguments (values
/// sent as strings), with the arguments the runspace knows of also as parameters of their own (for Tab).
/// </summary>
public abstract class PrimitiveRequestCmdlet : PrimitiveCmdlet, IDynamicParameters
{
    private RuntimeDefinedParameterDictionary? _argumentParameters;

    /// <summary>The dependency (its ORD id); without it, the one dependency that lists the prompt or resource.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string? OrdId { get; set; }

    /// <summary>The arguments (a hashtable or an object; values are sent as strings).</summary>
    [Parameter(Position = 1)]
    [HashtableTransformation]
    public IDictionary? Arguments { get; set; }

    /// <summary>The arguments of <see cref="ArgumentNames"/> as parameters of their own (for Tab, and when the command runs).</summary>
    public object? GetDynamicParameters() =>
        _argumentParameters = ArgumentNames() is { } names ? PrimitiveArgumentParameters.Make(GetType(), names) : null;

    /// <summary>
    /// The names of the arguments for what the bound parameters name (null: none): a resource template's from its URI;
    /// a prompt's from the runspace's listing, which Get-McpPromptMessage makes first where it has none.
    /// </summary>
    private protected abstract IEnumerable<string>? ArgumentNames();

    /// <summary>-Arguments as strings, with the values given as parameters of their own added (those win); null when neither was given.</summary>
    protected Dictionary<string, string?>? GivenArguments() => PrimitiveArgumentParameters.Merge(StringArguments(Arguments), _argumentParameters);

    /// <summary>
    /// Where the request goes, with its auth: the server of <paramref name="piped"/> (no token for a local one), the
    /// -Command local server (no token), the -Uri endpoint or the -OrdId dependency; (null, null) for none of them: the
    /// one dependency that lists it is looked up over the network.
    /// </summary>
    private protected (McpTarget? Target, McpAuth? Auth) TargetOf(McpListedEntry? piped, string? userJwt)
    {
        var accessToken = SecureStringTransformationAttribute.Reveal(AccessToken);
        if (piped is not null)
        {
            return (piped.Target, McpLocalServer.IsLocal(piped.Url) ? McpAuth.None : State.Tokens.AuthFor(piped.Url, userJwt, accessToken));
        }

        if (ParameterSetName == CommandSet)
        {
            return (new McpTarget(LocalEndpoint()), McpAuth.None);
        }

        if (ParameterSetName == UriSet)
        {
            var target = new McpTarget(Uri!);
            return (target, State.Tokens.AuthFor(target.Url, userJwt, accessToken));
        }

        if (OrdId is null)
        {
            return (null, null);
        }

        var dependency = State.Tokens.TargetForOrdId(OrdId);
        return (dependency, State.Tokens.AuthFor(dependency.Url, userJwt, null));
    }
}
