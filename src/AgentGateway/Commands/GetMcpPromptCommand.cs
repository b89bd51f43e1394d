using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the prompts, with their arguments, of every MCP server the credentials name, of some (-OrdId), or of one endpoint (-Uri).</summary>
[Cmdlet(VerbsCommon.Get, "McpPrompt", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpPrompt))]
public sealed class GetMcpPromptCommand : PrimitiveCmdlet
{
    /// <summary>Only prompts whose name matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpPromptNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only these servers (ORD ids, wildcards allowed); filtered before any request.</summary>
    [Parameter(ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt) || !TryTargets(OrdId, userJwt, out var targets, out var auth) ||
            !TryRunOnPipeline(ct => State.Primitives.ListPromptsAsync(targets, auth, Timeout, ct), null, out var outcomes) || outcomes is null)
        {
            return;
        }

        WriteListing(outcomes, "prompt", Name, _ => true, prompt => new McpPrompt(prompt));
    }
}
