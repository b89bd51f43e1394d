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

    /// <summary>Why the listing for the parameters failed, when that is the call's own failure (it is not listed again).</summary>
    private Exception? _listingFailure;

    /// <summary>
    /// The arguments of the prompt named by -Name as parameters of their own (for Tab, and -city Paris): from this
    /// runspace's listing; when its server (the -Uri, -OrdId or local server, else the dependencies) has not been
    /// listed for this identity, it is listed now: at Tab (and by Get-Command) in the background, waited for at most
    /// about a second so Tab never hangs (the next Tab has it); when the command runs, within -TimeoutSec or the
    /// config's timeout, so the parameters bind in a fresh session. That listing is the call's: a failure of its one
    /// server is the call's error (not listed again); a listing that fails leaves the parameters out (-Arguments still
    /// takes the values).
    /// </summary>
    private protected override IEnumerable<string>? ArgumentNames()
    {
        if (Name is null)
        {
            return null;
        }

        // PowerShell asks at Tab (and Get-Command, Get-Help) outside any pipeline; when the command runs, inside one.
        var runs = MyInvocation.PipelineLength > 0;
        var state = RunspaceStates.Current;
        var scope = ArgumentScope(state, runs);
        IEnumerable<string> Known() => state.Primitives.KnownPrompts
            .Where(p => p.Name == Name && (scope?.Has(p.Url) ?? ((OrdId is null || p.OrdId == OrdId) && (Uri is null || p.Url == Uri))))
            .SelectMany(p => p.Arguments.Select(a => a.Name));
        if (scope is not null && !Known().Any())
        {
            if (runs)
            {
                ListForTheCall(state, scope);
            }
            else
            {
                state.Primitives.ListPromptsInBackground(scope.Targets, scope.Auth).Wait(PrimitiveScope.TabBound);
            }
        }

        return Known();
    }

    /// <summary>
    /// Lists the servers of <paramref name="scope"/> not listed yet, as the call would (its verbose lines, its time);
    /// the failure of a single server (the -Uri, -OrdId or local one), with the call's own identity, is kept as the
    /// call's error.
    /// </summary>
    private void ListForTheCall(Engine.Runspace.RunspaceState state, PrimitiveScope scope)
    {
        var callsAsListed = !scope.IsDependencies && UserTokenProvider is null;
        try
        {
            var outcomes = RunOnPipeline(ct => state.Primitives.ListUnlistedPromptsAsync(scope.Targets, scope.Auth, Timeout, ct));
            if (callsAsListed && outcomes.Count == 1 && outcomes[0].Error is { } failed)
            {
                _listingFailure = failed;
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or PipelineStoppedException))
        {
            // A token or credential failure: the call's own, unless it lists with another identity (it meets it again then).
            _listingFailure = callsAsListed ? e : null;
        }
    }

    /// <summary>The servers the line names, with the auth the call would use (when the command runs, its local server resolved, started by the listing).</summary>
    private PrimitiveScope? ArgumentScope(Engine.Runspace.RunspaceState state, bool runs)
    {
        var userJwt = SecureStringTransformationAttribute.Reveal(UserToken);
        if (Command is null)
        {
            return PrimitiveScope.Of(state, Uri, OrdId, SecureStringTransformationAttribute.Reveal(AccessToken), userJwt);
        }

        if (!runs)
        {
            return PrimitiveScope.RunningLocal(state, Command, ArgumentList ?? []);
        }

        try
        {
            return PrimitiveScope.Local(LocalServerBinding.Resolve(this, Command, ArgumentList, WorkingDirectory, Environment).Endpoint);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The command says what is wrong with its folder or command line.
            return null;
        }
    }

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
                ct => InputObject is { } piped ? Task.FromResult((Prompt: piped.Info, Auth: where.Auth!))
                    : _listingFailure is { } failed ? Task.FromException<(Engine.Mcp.Prompts.McpPromptInfo Prompt, Engine.Mcp.Transport.McpAuth Auth)>(failed)
                    : State.Primitives.FindPromptAsync(where.Target, where.Auth, name, userJwt, Timeout, ct),
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
