using System.Collections;
using System.Management.Automation;
using AgentGateway.Engine.Mcp;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Renders a prompt (piped from Get-McpPrompt, or by name) with its arguments and writes its messages: role, text,
/// and the content block as sent (images, embedded resources). Required arguments are checked before anything is sent.
/// </summary>
[Cmdlet(VerbsCommon.Get, "McpPromptMessage", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpPromptMessage))]
public sealed class GetMcpPromptMessageCommand : PrimitiveCmdlet, IDynamicParameters
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

    /// <summary>The dependency of the prompt (its ORD id); without it, the one dependency that lists the prompt.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string? OrdId { get; set; }

    /// <summary>The prompt's arguments (a hashtable or an object; values are sent as strings).</summary>
    [Parameter(Position = 1)]
    [HashtableTransformation]
    public IDictionary? Arguments { get; set; }

    private RuntimeDefinedParameterDictionary? _promptArguments;

    /// <summary>The arguments of the prompt named by -Name, as listed before in this runspace, as parameters of their own (for Tab); never the network.</summary>
    public object? GetDynamicParameters()
    {
        if (Name is null)
        {
            return null;
        }

        var known = RunspaceStates.Current.Primitives.KnownPrompts.Where(p => p.Name == Name && (OrdId is null || p.OrdId == OrdId) && (Uri is null || p.Url == Uri));
        return _promptArguments = PrimitiveArgumentParameters.Make(GetType(), known.SelectMany(p => p.Arguments.Select(a => a.Name)));
    }

    protected override void ProcessRecord()
    {
        if (!TryUserJwt(out var userJwt))
        {
            return;
        }

        var accessToken = SecureStringTransformationAttribute.Reveal(AccessToken);
        var name = InputObject?.Name ?? Name!;
        if (!TryEngine(
                () => InputObject is { } piped ? (piped.Info.Target, Engine.Mcp.Transport.McpLocalServer.IsLocal(piped.Info.Url) ? Engine.Mcp.Transport.McpAuth.None : State.Tokens.AuthFor(piped.Info.Url, userJwt, accessToken))
                    : ParameterSetName == CommandSet ? (new McpTarget(LocalServerBinding.Resolve(this, Command!, ArgumentList, WorkingDirectory, Environment).Endpoint), Engine.Mcp.Transport.McpAuth.None)
                    : ParameterSetName == UriSet ? (new McpTarget(Uri!), State.Tokens.AuthFor(Uri!, userJwt, accessToken))
                    : OrdId is not null ? (State.Tokens.TargetForOrdId(OrdId), State.Tokens.AuthFor(State.Tokens.TargetForOrdId(OrdId).Url, userJwt, null))
                    : (null, null),
                name,
                out var where))
        {
            return;
        }

        // The listing gives the prompt's arguments to check (the runspace's, or one prompts/list); then one prompts/get.
        if (!TryRunOnPipeline(
                ct => InputObject is { } piped ? Task.FromResult((Prompt: piped.Info, Auth: where.Item2!)) : State.Primitives.FindPromptAsync(where.Item1, where.Item2, name, userJwt, Timeout, ct),
                name,
                out var found) ||
            !TryEngine(() => PrimitiveArgumentParameters.Merge(StringArguments(Arguments), _promptArguments)?.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal), Arguments, out var arguments) ||
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
