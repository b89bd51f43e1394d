using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Renders a prompt (piped from Get-McpPrompt, or by name) with its arguments and writes its messages: role, text,
/// and the content block as sent (images, embedded resources). Required arguments are checked before anything is sent.
/// </summary>
[Cmdlet(VerbsCommon.Get, "McpPromptMessage", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpPromptMessage))]
public sealed class GetMcpPromptMessageCommand : PrimitiveRequestCmdlet
{
    private const string PromptSet = "Prompt";

    /// <summary>A prompt from Get-McpPrompt.</summary>
    [Parameter(ParameterSetName = PromptSet, Mandatory = true, ValueFromPipeline = true)]
    public McpPrompt? InputObject { get; set; }

    /// <summary>The prompt's name (case-sensitive).</summary>
    [Parameter(ParameterSetName = GatewaySet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = UriSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = CommandSet, Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(McpPromptNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The arguments of the prompt named by -Name, as listed before in this runspace (none without -Name).</summary>
    private protected override IEnumerable<string>? ArgumentNames() =>
        Name is null ? null
            : RunspaceStates.Current.Primitives.KnownPrompts
                .Where(p => p.Name == Name && (OrdId is null || p.OrdId == OrdId) && (Uri is null || p.Url == Uri))
                .SelectMany(p => p.Arguments.Select(a => a.Name));

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt))
        {
            return;
        }

        var name = InputObject?.Name ?? Name!;
        if (!TryEngine(() => TargetOf(InputObject?.Info, userJwt), name, out var where))
        {
            return;
        }

        // The listing gives the prompt's arguments to check (the runspace's, or one prompts/list); then one prompts/get.
        if (!TryRunOnPipeline(
                ct => InputObject is { } piped ? Task.FromResult((Prompt: piped.Info, Auth: where.Auth!)) : State.Primitives.FindPromptAsync(where.Target, where.Auth, name, userJwt, Timeout, ct),
                name,
                out var found) ||
            !TryEngine(() => GivenArguments()?.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal), Arguments, out var arguments) ||
            !TryRunOnPipeline(ct => State.Primitives.GetPromptAsync(found.Prompt, found.Auth, arguments, Timeout, ct), name, out var messages) || messages is null)
        {
            return;
        }

        foreach (var message in messages)
        {
            WriteObject(new McpPromptMessage(message));
        }
    }
}
