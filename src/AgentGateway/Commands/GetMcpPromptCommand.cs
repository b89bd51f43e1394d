using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the prompts, with their arguments, of every MCP server the credentials name, of some (-OrdId), or of one endpoint (-Uri).</summary>
[Cmdlet(VerbsCommon.Get, "McpPrompt", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpPrompt))]
public sealed class GetMcpPromptCommand : PrimitiveListingCmdlet
{
    /// <summary>Only prompts whose name matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpPromptNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord() =>
        ListAndWrite((targets, auth, ct) => State.Primitives.ListPromptsAsync(targets, auth, Timeout, ct), "prompt", Name, _ => true, prompt => new McpPrompt(prompt));
}
