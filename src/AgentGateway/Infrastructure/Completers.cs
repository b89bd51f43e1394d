using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes -Name from the tools the runspace session has seen listed, narrowed to the servers of an
/// -OrdId already on the line. In a session that has listed none, the first Tab starts a listing of the dependencies in
/// the background and waits for it about a second (what has come by then is offered; otherwise the next Tab offers it):
/// besides the values of prompt arguments and template variables (<see cref="McpPrimitiveArgumentCompleter"/>), the one
/// place Tab uses the network. What goes on the line is the tool's name as one
/// argument (<see cref="PowerShellText.CompletionText"/>: a plain word, else quoted), whatever the server named it;
/// the list item and the tooltip (the servers and the description) show the server's text made fit for a terminal
/// (<see cref="HostText"/>).
/// </summary>
public class McpToolNameCompleter : IArgumentCompleter
{
    /// <summary>How long the first Tab of a session waits for the background listing, in milliseconds.</summary>
    private const int FirstListingWaitMilliseconds = 1000;

    /// <summary>The -Name takes wildcards: a completed name has its wildcard characters escaped, so it selects that tool only.</summary>
    protected virtual bool EscapesWildcards => false;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = Completion.Pattern(wordToComplete);
        var servers = OrdIdPatterns(fakeBoundParameters);
        var catalogue = RunspaceStates.Current.Tools;
        var known = catalogue.KnownTools;
        if (known.Count == 0)
        {
            // A fresh session: list in the background; Tab waits for it at most about a second, never fails.
            try
            {
                catalogue.ListDependenciesInBackground().Wait(FirstListingWaitMilliseconds);
            }
            catch (AggregateException)
            {
                // Nothing to offer.
            }

            known = catalogue.KnownTools;
        }

        return known
            .Where(t => pattern.IsMatch(t.Name) && (servers.Length == 0 || (t.OrdId is { } ordId && servers.Any(s => s.IsMatch(ordId)))))
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => Completion.Result(
                EscapesWildcards ? WildcardPattern.Escape(g.Key) : g.Key,
                g.Key,
                $"{g.Key} ({string.Join(", ", g.Select(t => t.ServerName).Distinct())}): {g.First().Description}"));
    }

    /// <summary>The -OrdId values already bound on the line (one, or several for Get-McpTool), as patterns.</summary>
    private static WildcardPattern[] OrdIdPatterns(IDictionary? fakeBoundParameters)
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

/// <summary>What the completers share: the typed word as a pattern, and a result whose line text is one argument.</summary>
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
