using System.Management.Automation;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of Get-McpPrompt and Get-McpResource: -OrdId (the dependencies to list, wildcards allowed, bound by
/// property name from piped objects), and one listing per record: the user's JWT, the servers, the listing, its output.
/// </summary>
public abstract class PrimitiveListingCmdlet : PrimitiveCmdlet
{
    /// <summary>Only these servers (ORD ids, wildcards allowed); filtered before any request.</summary>
    [Parameter(ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>
    /// Lists with <paramref name="list"/> on the servers of -Uri, -Command or -OrdId (with the user's JWT, when given) and
    /// writes the listing (see <see cref="PrimitiveCmdlet.WriteListing{T}"/>); nothing more after an error was written.
    /// </summary>
    private protected void ListAndWrite<T>(
        Func<IReadOnlyList<McpTarget>, McpAuth, CancellationToken, Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>>>> list,
        string primitive,
        string[]? names,
        Func<T, bool> selected,
        Func<T, object> output)
    {
        if (TryUserJwt(out var userJwt) && TryTargets(OrdId, userJwt, out var targets, out var auth) &&
            TryRunOnPipeline(ct => list(targets, auth, ct), null, out var outcomes) && outcomes is not null)
        {
            WriteListing(outcomes, primitive, names, selected, output);
        }
    }
}
