using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes a generated tool command's parameter from its <c>enum</c> values (the values of the parameter's
/// <see cref="ValidateToolValuesAttribute"/>, read from the command itself): each value goes on the line as exactly
/// one argument, quoted by the one quoting helper (<see cref="PowerShellText.CompletionText"/>) when it is not a plain
/// word. The generated commands name this class, not a script block with the values, so thousands of them are not
/// thousands of completers to parse.
/// </summary>
public sealed class ToolValueCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Complete(ValuesOf(commandName, parameterName), wordToComplete);

    /// <summary>The values that start with the typed word (case-insensitively; a quote it starts with does not count), sorted as PowerShell sorts a ValidateSet's.</summary>
    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> values, string? wordToComplete)
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

    /// <summary>The values of the command's parameter (by name or alias), or none.</summary>
    private static IReadOnlyList<string> ValuesOf(string commandName, string parameterName)
    {
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        var found = ps.AddCommand("Get-Command").AddParameter("Name", commandName).AddParameter("ErrorAction", ActionPreference.Ignore).Invoke();
        var command = found.Select(o => o?.BaseObject).OfType<CommandInfo>().FirstOrDefault();
        if (command is AliasInfo alias)
        {
            command = alias.ResolvedCommand;
        }

        var parameter = command?.Parameters.Values.FirstOrDefault(p =>
            string.Equals(p.Name, parameterName, StringComparison.OrdinalIgnoreCase) || p.Aliases.Contains(parameterName, StringComparer.OrdinalIgnoreCase));
        return parameter?.Attributes.OfType<ValidateToolValuesAttribute>().FirstOrDefault()?.ValidValues ?? [];
    }
}
