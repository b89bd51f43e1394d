using System.Globalization;
using System.Text.Json;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>A number parameter's ValidateRange from the schema's bounds, and numbers as PowerShell literals.</summary>
internal static partial class ToolParameterMapper
{
    /// <summary>
    /// The ValidateRange of a number parameter, or null; with a warning when the schema's bounds exclude every value
    /// (minimum above maximum): PowerShell could not even show a command with such a ValidateRange, so none is mapped
    /// and the tool's own check refuses every value.
    /// </summary>
    private static (ToolParameterRange? Range, string? Warning) RangeOf(JsonElement schema, string typeName)
    {
        if (typeName is not ("long" or "double"))
        {
            return (null, null);
        }

        var minimum = Number(schema, "minimum");
        var maximum = Number(schema, "maximum");
        var exclusiveMinimum = Number(schema, "exclusiveMinimum");
        var exclusiveMaximum = Number(schema, "exclusiveMaximum");
        double? low, high;
        if (typeName == "long")
        {
            // An exclusive bound of an integer is the next integer inside it.
            low = Max(minimum is { } m ? Math.Ceiling(m) : null, exclusiveMinimum is { } em ? Math.Floor(em) + 1 : null);
            high = Min(maximum is { } x ? Math.Floor(x) : null, exclusiveMaximum is { } ex ? Math.Ceiling(ex) - 1 : null);
        }
        else
        {
            // A double's exclusive bounds are left to the schema check: ValidateRange has only inclusive ones.
            (low, high) = (minimum, maximum);
        }

        if (low is null && high is null)
        {
            return (null, null);
        }

        if (low > high)
        {
            return (null, string.Create(
                CultureInfo.InvariantCulture,
                $"the schema's bounds admit no value (lowest {DoubleText(low.Value)}, highest {DoubleText(high.Value)}): no range is checked before the call, and the tool's own check refuses every value"));
        }

        return typeName == "long"
            ? (new ToolParameterRange(LongLiteral(low, "[long]::MinValue"), LongLiteral(high, "[long]::MaxValue")), null)
            : (new ToolParameterRange(DoubleLiteral(low, "[double]::MinValue"), DoubleLiteral(high, "[double]::MaxValue")), null);
    }

    private static double? Number(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static double? Min(double? a, double? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static string LongLiteral(double? value, string unbounded) => value switch
    {
        null => unbounded,
        <= long.MinValue => "[long]::MinValue",
        >= long.MaxValue => "[long]::MaxValue",
        var v => ((long)v.Value).ToString(CultureInfo.InvariantCulture) + "L",
    };

    private static string DoubleLiteral(double? value, string unbounded) => value is { } v ? DoubleText(v) : unbounded;

    /// <summary>A double as a PowerShell literal that parses as a double (1 → 1.0).</summary>
    internal static string DoubleText(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }
}
