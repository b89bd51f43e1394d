using System.Management.Automation;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes a generated tool command's parameter from its <c>enum</c> values (the command's
/// <c>[ArgumentCompleter({ [AgentGateway.Infrastructure.ToolValueCompleter]::Complete(@(...), $args[2]) })]</c>):
/// each value goes on the line as exactly one argument, quoted by the one quoting helper when it is not a plain word.
/// </summary>
public static class ToolValueCompleter
{
    /// <summary>The values that start with the typed word (case-insensitively; a quote it starts with does not count), sorted as PowerShell sorts a ValidateSet's.</summary>
    public static IEnumerable<CompletionResult> Complete(string[] values, string? wordToComplete)
    {
        ArgumentNullException.ThrowIfNull(values);
        // The typed word is a prefix only: a value's own [ or * means nothing here.
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(PowerShellText.CompletionPrefix(wordToComplete)) + "*", WildcardOptions.IgnoreCase);
        return values.Where(v => v is not null && pattern.IsMatch(v))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(v => Completion.Result(v, v, v))
            .ToArray();
    }
}
