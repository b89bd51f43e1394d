using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Resources;

namespace AgentGateway.Infrastructure;

/// <summary>Completes a resource's -Name (Get-McpResource) from the resources of the servers of the line (<see cref="PrimitiveCompletion"/>).</summary>
public sealed class McpResourceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Names(PrimitiveCompletion.Resources(fakeBoundParameters), wordToComplete, escapeWildcards: true);
}

/// <summary>Completes -ResourceUri from the resource URIs and templates of the servers of the line (<see cref="PrimitiveCompletion"/>).</summary>
public sealed class McpResourceUriCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var wildcards = string.Equals(commandName, "Get-McpResource", StringComparison.OrdinalIgnoreCase);
        return Completion.ByKey(
            PrimitiveCompletion.Resources(fakeBoundParameters).Cast<McpResourceInfo>(),
            r => r.Uri ?? r.UriTemplate!,
            wordToComplete,
            wildcards,
            g => $"{g.First().Name} ({g.First().ServerName}): {g.First().Description}");
    }
}

/// <summary>Completes a prompt's -Name (Get-McpPrompt, Get-McpPromptMessage) from the prompts of the servers of the line (<see cref="PrimitiveCompletion"/>).</summary>
public sealed class McpPromptNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Names(PrimitiveCompletion.Prompts(fakeBoundParameters), wordToComplete, string.Equals(commandName, "Get-McpPrompt", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The prompts or resources a prompt or resource command line can mean, for its -Name and -ResourceUri completers:
/// those listed by the one server the line names (<see cref="PrimitiveScope"/>: the -Uri with its -AccessToken, the
/// -OrdId, a -Command server already running), else those of the -OrdId patterns on the line (of every server seen,
/// without one). When there are none, Tab starts the listing of the line's servers not listed yet (every dependency,
/// without -Uri, -OrdId or -Command) in the background and waits for it about a second
/// (<see cref="Completion.KnownOrListed"/>): what has come by then is offered, otherwise the next Tab offers it. Tab
/// never starts a local server's process.
/// </summary>
internal static class PrimitiveCompletion
{
    /// <summary>The resources and templates the line can mean.</summary>
    public static IReadOnlyList<McpListedEntry> Resources(IDictionary? fakeBoundParameters) =>
        Entries(fakeBoundParameters, state => state.Primitives.KnownResources, (state, scope) => state.Primitives.ListResourcesInBackground(scope.Targets, scope.Auth));

    /// <summary>The prompts the line can mean.</summary>
    public static IReadOnlyList<McpListedEntry> Prompts(IDictionary? fakeBoundParameters) =>
        Entries(fakeBoundParameters, state => state.Primitives.KnownPrompts, (state, scope) => state.Primitives.ListPromptsInBackground(scope.Targets, scope.Auth));

    /// <summary>
    /// Whether an entry of <paramref name="url"/> (of the dependency <paramref name="ordId"/>) is one the line can mean:
    /// one of the server the line names, else one of an -OrdId pattern on the line (any, without one).
    /// </summary>
    public static bool IsMeant(PrimitiveScope? scope, WildcardPattern[] ordIds, Uri url, string? ordId) =>
        scope is { IsDependencies: false } one ? one.Has(url) : Completion.HasOrdId(ordIds, ordId);

    private static IReadOnlyList<McpListedEntry> Entries(
        IDictionary? fakeBoundParameters,
        Func<Engine.Runspace.RunspaceState, IReadOnlyList<McpListedEntry>> known,
        Func<Engine.Runspace.RunspaceState, PrimitiveScope, Task> listInBackground)
    {
        var state = RunspaceStates.Current;
        var bound = fakeBoundParameters ?? new Hashtable();
        var scope = PrimitiveScope.OfLine(state, bound);
        var ordIds = Completion.OrdIdPatterns(bound);
        return Completion.KnownOrListed<McpListedEntry>(
            () => [.. known(state).Where(e => IsMeant(scope, ordIds, e.Url, e.OrdId))],
            scope is null ? null : () => listInBackground(state, scope),
            PrimitiveScope.TabBound);
    }
}
