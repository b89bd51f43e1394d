using System.Globalization;
using System.Text.Json;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>The example value of a parameter, for the help: a PowerShell expression of a value the schema accepts.</summary>
internal static partial class ToolParameterMapper
{
    private const int MaxExampleDepth = 4;

    /// <summary>
    /// A PowerShell expression of a value the schema accepts: an enum value, an example, the default, or a plain one of
    /// the type. A server's value is taken when the help can show it as it is (<see cref="PowerShellText.IsHelpSafe"/>):
    /// the example line goes through the help sanitiser, which would change it otherwise.
    /// </summary>
    private static string Example(JsonElement schema, string typeName, int depth)
    {
        if (schema.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
            {
                var literals = values.EnumerateArray().Select(v => ExampleLiteral(v, typeName)).OfType<string>().ToArray();
                if (literals.Length > 0)
                {
                    // Only an enum value is valid: a changed one beats none (the help shows it sanitised).
                    return literals.FirstOrDefault(PowerShellText.IsHelpSafe) ?? literals[0];
                }
            }

            if (schema.TryGetProperty("examples", out var examples) && examples.ValueKind == JsonValueKind.Array &&
                examples.EnumerateArray().Select(v => ExampleLiteral(v, typeName)).FirstOrDefault(l => l is not null && PowerShellText.IsHelpSafe(l)) is { } example)
            {
                return example;
            }

            if (schema.TryGetProperty("default", out var d) && Literal(d, typeName) is { } fromDefault && PowerShellText.IsHelpSafe(fromDefault))
            {
                return fromDefault;
            }
        }

        switch (typeName)
        {
            case "string":
                return "'text'";
            case "datetime":
                return "'2026-01-01T00:00:00Z'";
            case "long":
                return ClampedExample(schema, integer: true);
            case "double":
                return ClampedExample(schema, integer: false);
            case "bool" or "switch":
                return "$true";
            case "hashtable":
                return depth >= MaxExampleDepth ? "@{}" : ObjectExample(schema, depth);
            default:
                if (typeName.EndsWith("[]", StringComparison.Ordinal))
                {
                    var items = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("items", out var i) ? i : default;
                    return $"@({Example(items, typeName[..^2], depth + 1)})";
                }

                return "'value'";
        }
    }

    private static string? ExampleLiteral(JsonElement value, string typeName) =>
        value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? Literal(value, typeName) : null;

    private static string? Literal(JsonElement value, string typeName) => (value.ValueKind, typeName) switch
    {
        (JsonValueKind.String, "string" or "datetime" or "string[]" or "object") => PowerShellText.Quote(value.GetString()!),
        (JsonValueKind.Number, "long" or "long[]") when value.TryGetInt64(out var l) => l.ToString(CultureInfo.InvariantCulture),
        (JsonValueKind.Number, "double" or "double[]") when value.TryGetDouble(out var d) && double.IsFinite(d) => DoubleText(d),
        (JsonValueKind.True, "bool" or "switch") => "$true",
        (JsonValueKind.False, "bool" or "switch") => "$false",
        _ => null,
    };

    private static string ClampedExample(JsonElement schema, bool integer)
    {
        var value = 1.0;
        if (Number(schema, "minimum") is { } min && value < min)
        {
            value = integer ? Math.Ceiling(min) : min;
        }

        if (Number(schema, "exclusiveMinimum") is { } emin && value <= emin)
        {
            value = integer ? Math.Floor(emin) + 1 : emin + 1;
        }

        if (Number(schema, "maximum") is { } max && value > max)
        {
            value = integer ? Math.Floor(max) : max;
        }

        return integer ? ((long)Math.Clamp(value, long.MinValue, long.MaxValue)).ToString(CultureInfo.InvariantCulture) : DoubleText(value);
    }

    private static string ObjectExample(JsonElement schema, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return "@{}";
        }

        var required = RequiredNames(schema);
        var entries = properties.EnumerateObject()
            .Where(p => required.Contains(p.Name))
            .Select(p => $"{PowerShellText.Quote(p.Name)} = {Example(p.Value, TypeName(p.Value, mandatory: true), depth + 1)}")
            .ToArray();
        return entries.Length == 0 ? "@{}" : $"@{{ {string.Join("; ", entries)} }}";
    }
}
