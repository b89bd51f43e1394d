using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace AgentGateway.Infrastructure;

/// <summary>Completes -Name from the tools of the runspace session's last listing; never calls the network.</summary>
public sealed class McpToolNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return RunspaceSessions.Current.LastListing
            .Where(t => pattern.IsMatch(t.Name))
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new CompletionResult(Quote(g.Key), g.Key, CompletionResultType.ParameterValue, $"{g.Key} ({string.Join(", ", g.Select(t => t.ServerName).Distinct())}): {g.First().Description}"));
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
