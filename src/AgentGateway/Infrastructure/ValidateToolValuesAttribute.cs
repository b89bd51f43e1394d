using System.Globalization;
using System.Management.Automation;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The <c>enum</c> of a generated tool command's parameter, as ValidateSet checks it (each value, or each element of
/// an array, must be one of them, case-insensitively), without ValidateSet's completion: PowerShell completes a
/// ValidateSet before any ArgumentCompleter and leaves some values unquoted (one with a typographic quote among them),
/// so the generated command completes its values with <see cref="ToolValueCompleter"/> instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateToolValuesAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>How many values the message lists before it says how many more there are.</summary>
    private const int ListedValues = 20;

    private readonly string[] _values;

    public ValidateToolValuesAttribute(params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values;
    }

    /// <summary>The allowed values, in the schema's spelling.</summary>
    public IReadOnlyList<string> ValidValues => _values;

    protected override void ValidateElement(object element)
    {
        var value = element is PSObject wrapped ? wrapped.BaseObject : element;
        var text = value switch
        {
            null => null,
            string s => s,
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        if (text is not null && _values.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        var listed = string.Join(", ", _values.Take(ListedValues).Select(v => $"'{v}'"));
        var more = _values.Length > ListedValues ? $" and {_values.Length - ListedValues} more" : string.Empty;
        throw new ValidationMetadataException(HostText.Line($"The argument '{text}' is not one of the values the tool accepts: {listed}{more}."));
    }
}
