using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes -Name from the tools the runspace session has seen listed, narrowed to the servers of an
/// -OrdId already on the line. In a session that has listed none, the first Tab starts a listing of the dependencies in
/// the background and waits for it about a second (<see cref="Completion.KnownOrListed"/>: what has come by then is
/// offered; otherwise the next Tab offers it), as the prompt and resource completers do for the servers of their line
/// (<see cref="PrimitiveCompletion"/>). These first listings and the values of prompt arguments and template variables
/// (<see cref="McpPrimitiveArgumentCompleter"/>) are the only places Tab uses the network. What goes on the line is the
/// tool's name as one argument (<see cref="PowerShellText.CompletionText"/>: a plain word, else quoted), whatever the
/// server named it; the list item and the tooltip (the servers and the description) show the server's text made fit
/// for a terminal (<see cref="HostText"/>).
/// </summary>
public class McpToolNameCompleter : IArgumentCompleter
{
    /// <summary>The -Name takes wildcards: a completed name has its wildcard characters escaped, so it selects that tool only.</summary>
    protected virtual bool EscapesWildcards => false;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var servers = Completion.OrdIdPatterns(fakeBoundParameters);
        var catalogue = RunspaceStates.Current.Tools;
        var known = Completion.KnownOrListed(() => catalogue.KnownTools, catalogue.ListDependenciesInBackground, PrimitiveScope.TabBound);
        return Completion.Names(known.Where(t => Completion.HasOrdId(servers, t.OrdId)), wordToComplete, EscapesWildcards);
    }
}

/// <summary>Completes a -Name that takes wildcards (Get-McpTool, Import-McpTool, Export-McpToolModule): as <see cref="McpToolNameCompleter"/>, wildcard characters escaped.</summary>
public sealed class McpToolNamePatternCompleter : McpToolNameCompleter
{
    protected override bool EscapesWildcards => true;
}

/// <summary>Completes -OrdId from the integration dependencies of the credentials; reads local credentials only.</summary>
public sealed class OrdIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = Completion.Pattern(wordToComplete);
        return RunspaceStates.Current.Tokens.TryGetDependencies()
            .Where(d => pattern.IsMatch(d.OrdId))
            .Select(d => Completion.Result(d.OrdId, d.OrdId, $"{d.OrdId} (tenant {d.GlobalTenantId})"));
    }
}

/// <summary>
/// What the completers share: the typed word as a pattern, the entries to offer (a first listing waited for a bounded
/// while), one completion a name, and a result whose line text is one argument.
/// </summary>
internal static class Completion
{
    /// <summary>The typed word (without the quote it may start with) and anything after it; its own wildcards count, unless they do not make a pattern.</summary>
    public static WildcardPattern Pattern(string? wordToComplete)
    {
        var prefix = PowerShellText.CompletionPrefix(wordToComplete);
        var pattern = WildcardPattern.Get(prefix + "*", WildcardOptions.IgnoreCase);
        try
        {
            pattern.IsMatch(string.Empty);
            return pattern;
        }
        catch (WildcardPatternException)
        {
            return WildcardPattern.Get(WildcardPattern.Escape(prefix) + "*", WildcardOptions.IgnoreCase);
        }
    }

    /// <summary>
    /// What a name completer offers from: the entries known now; when there are none, those that a listing started in
    /// the background (<paramref name="listInBackground"/>, none when null) brings within <paramref name="bound"/>. Tab
    /// never fails and never waits longer: a listing that fails offers nothing, one that comes later is the next Tab's.
    /// </summary>
    public static IReadOnlyList<T> KnownOrListed<T>(Func<IReadOnlyList<T>> known, Func<Task>? listInBackground, TimeSpan bound)
    {
        var entries = known();
        if (entries.Count > 0 || listInBackground is null)
        {
            return entries;
        }

        try
        {
            listInBackground().Wait(bound);
        }
        catch (AggregateException)
        {
            // Nothing to offer.
        }

        return known();
    }

    /// <summary>
    /// One completion a name that matches the typed word, ordered ignoring case (wildcard characters escaped when the
    /// parameter takes wildcards); its tooltip names the servers that list it and the first one's description.
    /// </summary>
    public static IEnumerable<CompletionResult> Names(IEnumerable<McpListedEntry> entries, string? wordToComplete, bool escapeWildcards) =>
        ByKey(entries, e => e.Name, wordToComplete, escapeWildcards, named => $"{named.Key} ({string.Join(", ", named.Select(e => e.ServerName).Distinct())}): {named.First().Description}");

    /// <summary>One completion a key (what goes on the line) that matches the typed word, ordered ignoring case; the tooltip made from the entries of that key.</summary>
    public static IEnumerable<CompletionResult> ByKey<T>(IEnumerable<T> entries, Func<T, string> key, string? wordToComplete, bool escapeWildcards, Func<IGrouping<string, T>, string> toolTip)
    {
        var pattern = Pattern(wordToComplete);
        return entries
            .Where(e => pattern.IsMatch(key(e)))
            .GroupBy(key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => Result(escapeWildcards ? WildcardPattern.Escape(g.Key) : g.Key, g.Key, toolTip(g)));
    }

    /// <summary>The -OrdId values already bound on the line (one, or several where -OrdId takes several), as patterns.</summary>
    public static WildcardPattern[] OrdIdPatterns(IDictionary? fakeBoundParameters)
    {
        var bound = fakeBoundParameters?["OrdId"];
        var values = bound switch
        {
            null => [],
            string one => [one],
            IEnumerable many => many.Cast<object?>().Select(v => v?.ToString()).OfType<string>().ToArray(),
            _ => [bound.ToString() ?? string.Empty],
        };
        return values.Where(v => v.Length > 0).Select(v => WildcardPattern.Get(v, WildcardOptions.IgnoreCase)).ToArray();
    }

    /// <summary>Whether an entry of the dependency <paramref name="ordId"/> (null: an endpoint named directly) is one of <paramref name="patterns"/> (any, when there are none).</summary>
    public static bool HasOrdId(WildcardPattern[] patterns, string? ordId) =>
        patterns.Length == 0 || (ordId is not null && patterns.Any(p => p.IsMatch(ordId)));

    /// <summary>
    /// A completion: <paramref name="value"/> on the line as exactly one argument (<see cref="PowerShellText.CompletionText"/>);
    /// <paramref name="shown"/> and <paramref name="toolTip"/>, server text, made fit for a terminal (<see cref="HostText"/>).
    /// </summary>
    public static CompletionResult Result(string value, string shown, string toolTip)
    {
        var text = PowerShellText.CompletionText(value);
        var item = HostText.Line(shown, HostText.NameLength);
        var tip = HostText.Line(toolTip, HostText.QuoteLength);
        return new CompletionResult(text, item.Length == 0 ? text : item, CompletionResultType.ParameterValue, tip.Length == 0 ? text : tip);
    }
}
