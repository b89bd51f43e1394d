using System.Globalization;
using System.Text.Json;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// A property's types: the JSON type its schema declares or implies, the PowerShell type of its parameter, the type
/// the help names, and the values of its enum.
/// </summary>
internal static partial class ToolParameterMapper
{
    /// <summary>The JSON type a schema declares: its "type" (the one that is not "null"), else what enum, anyOf/oneOf, properties or items imply.</summary>
    internal static string? PrimaryType(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString();
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                var types = type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String && t.GetString() != "null").Select(t => t.GetString()).Distinct().ToArray();
                return types.Length == 1 ? types[0] : types.Length == 2 && types.Contains("integer") && types.Contains("number") ? "number" : null;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            var kinds = values.EnumerateArray().Where(v => v.ValueKind != JsonValueKind.Null).Select(JsonKind).Distinct().ToArray();
            return kinds.Length == 1 ? kinds[0] : null;
        }

        foreach (var combinator in (string[])["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(combinator, out var variants) && variants.ValueKind == JsonValueKind.Array)
            {
                var types = variants.EnumerateArray().Select(PrimaryType).Where(t => t != "null").Distinct().ToArray();
                return types.Length == 1 ? types[0] : null;
            }
        }

        return schema.TryGetProperty("properties", out _) ? "object" : schema.TryGetProperty("items", out _) ? "array" : null;
    }

    private static string JsonKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "null",
    };

    private static bool IsDateTime(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() == "date-time";

    private static string TypeName(JsonElement schema, bool mandatory) => PrimaryType(schema) switch
    {
        "boolean" => mandatory ? "bool" : "switch",
        "array" => ElementTypeName(schema.TryGetProperty("items", out var items) ? items : default) + "[]",
        var other => ScalarTypeName(other, schema),
    };

    private static string ElementTypeName(JsonElement items) => PrimaryType(items) switch
    {
        "boolean" => "bool",
        "array" => "object",
        var other => ScalarTypeName(other, items),
    };

    private static string ScalarTypeName(string? type, JsonElement schema) => type switch
    {
        "string" => IsDateTime(schema) ? "datetime" : "string",
        "integer" => "long",
        "number" => "double",
        "boolean" => "bool",
        "object" => "hashtable",
        _ => "object",
    };

    private static string SchemaType(JsonElement schema)
    {
        var type = PrimaryType(schema) ?? "any";
        if (type == "array")
        {
            var items = schema.TryGetProperty("items", out var i) ? i : default;
            return $"array of {(items.ValueKind == JsonValueKind.Object ? SchemaType(items) : "any")}";
        }

        return type == "string" && IsDateTime(schema) ? "string (date-time)" : type;
    }

    private static IReadOnlyList<string>? ValidValues(JsonElement schema)
    {
        var source = PrimaryType(schema) == "array" && schema.TryGetProperty("items", out var items) ? items : schema;
        if (source.ValueKind != JsonValueKind.Object || !source.TryGetProperty("enum", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var list = values.EnumerateArray().ToArray();
        if (list.Length > 0 && list.All(v => v.ValueKind == JsonValueKind.String))
        {
            return list.Select(v => v.GetString()!).ToArray();
        }

        return list.Length > 0 && list.All(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _))
            ? list.Select(v => v.GetInt64().ToString(CultureInfo.InvariantCulture)).ToArray()
            : null;
    }
}
