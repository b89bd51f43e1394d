using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes -Name from the tools the runspace session has seen listed, narrowed to the servers of an
/// -OrdId already on the line; never calls the network. The list item and the tooltip (the servers and the
/// description) are made fit for a terminal (<see cref="HostText"/>); the completion is the name as listed.
/// </summary>
public sealed class McpToolNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        var servers = OrdIdPatterns(fakeBoundParameters);
        return RunspaceSessions.Current.KnownTools
            .Where(t => pattern.IsMatch(t.Name) && (servers.Length == 0 || (t.OrdId is { } ordId && servers.Any(s => s.IsMatch(ordId)))))
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new CompletionResult(Quote(g.Key), HostText.Line(g.Key, HostText.NameLength), CompletionResultType.ParameterValue, HostText.Line($"{g.Key} ({string.Join(", ", g.Select(t => t.ServerName).Distinct())}): {g.First().Description}", HostText.QuoteLength)));
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

    internal static string Quote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || "'\"`$;,(){}@#&|<>".Contains(c, StringComparison.Ordinal)) ? $"'{value.Replace("'", "''", StringComparison.Ordinal)}'" : value;
}

/// <summary>Completes -OrdId from the integration dependencies of the credentials; reads local credentials only.</summary>
public sealed class OrdIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return RunspaceSessions.Current.TryGetDependencies()
            .Where(d => pattern.IsMatch(d.OrdId))
            .Select(d => new CompletionResult(McpToolNameCompleter.Quote(d.OrdId), d.OrdId, CompletionResultType.ParameterValue, $"{d.OrdId} (tenant {d.GlobalTenantId})"));
    }
}
