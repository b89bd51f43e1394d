using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>
/// One field of a form elicitation (a restricted JSON Schema property): its kind, labels, default, choices and
/// bounds; <see cref="TryConvert"/> and <see cref="TryAccept"/> check a typed or scripted value against it.
/// </summary>
internal sealed class McpElicitationField
{
    /// <summary>The property name (the key in the answer).</summary>
    public required string Name { get; init; }

    /// <summary><c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, or <c>array</c> (several choices).</summary>
    public required string Type { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public bool Required { get; init; }

    /// <summary>The value offered before the user types anything, as JSON.</summary>
    public JsonNode? Default { get; init; }

    /// <summary>The allowed values of an enum (single or multi select); empty otherwise.</summary>
    public IReadOnlyList<McpElicitationChoice> Choices { get; init; } = [];

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    /// <summary>A string format (email, uri, date, date-time), when the schema names one.</summary>
    public string? Format { get; init; }

    /// <summary>The title, else the name.</summary>
    public string Label => string.IsNullOrWhiteSpace(Title) ? Name : Title;

    /// <summary>Converts what the user typed to the field's JSON value; false with a message saying what is wrong.</summary>
    public bool TryConvert(string input, out JsonNode? value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = input.Trim();
        value = null;
        switch (Type)
        {
            case "boolean":
                if (bool.TryParse(text, out var b) || TryYesNo(text, out b))
                {
                    value = JsonValue.Create(b);
                    break;
                }

                error = $"'{Label}' takes yes or no (true or false).";
                return false;
            case "integer":
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    value = JsonValue.Create(l);
                    break;
                }

                error = $"'{Label}' takes a whole number.";
                return false;
            case "number":
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    value = JsonValue.Create(d);
                    break;
                }

                error = $"'{Label}' takes a number.";
                return false;
            case "array":
                var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                value = new JsonArray(parts.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
                break;
            default:
                value = JsonValue.Create(input);
                break;
        }

        return Check(value, out error);
    }

    /// <summary>
    /// Checks a value a script gave (a plain .NET value: string, bool, number, array) and converts it to JSON;
    /// false with a message saying what is wrong.
    /// </summary>
    public bool TryAccept(object? given, out JsonNode? value, out string? error)
    {
        value = null;
        switch (given)
        {
            case null:
                error = $"'{Label}' has no value.";
                return false;
            case string s:
                return TryConvert(s, out value, out error);
            case bool b when Type == "boolean":
                value = JsonValue.Create(b);
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong when Type is "integer" or "number":
                value = JsonValue.Create(Convert.ToInt64(given, CultureInfo.InvariantCulture));
                break;
            case float or double or decimal when Type == "number" || (Type == "integer" && IsWhole(given)):
                var d = Convert.ToDouble(given, CultureInfo.InvariantCulture);
                value = Type == "integer" ? JsonValue.Create((long)d) : JsonValue.Create(d);
                break;
            case System.Collections.IEnumerable items when Type == "array":
                value = new JsonArray(items.Cast<object?>().Select(i => (JsonNode?)JsonValue.Create(Convert.ToString(i, CultureInfo.InvariantCulture))).ToArray());
                break;
            default:
                error = $"'{Label}' takes {Describe()}, not {given.GetType().Name}.";
                return false;
        }

        return Check(value, out error);
    }

    /// <summary>What the field takes, in words.</summary>
    public string Describe() => Type switch
    {
        "boolean" => "true or false",
        "integer" => "a whole number",
        "number" => "a number",
        "array" => "a list of choices",
        _ when Choices.Count > 0 => "one of the choices",
        _ => "text",
    };

    private bool Check(JsonNode? value, out string? error)
    {
        error = null;
        if (Choices.Count > 0)
        {
            var allowed = Choices.Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
            // (Not "[value]": that would make a JsonArray, which adopts the node.)
            var picked = value is JsonArray a ? [.. a] : new[] { value };
            var wrong = picked.Select(p => p?.GetValue<string>()).FirstOrDefault(p => p is null || !allowed.Contains(p));
            if (picked.Any() && (wrong is not null || picked.Any(p => p is null)))
            {
                error = $"'{Label}' takes one of: {string.Join(", ", allowed)}.";
                return false;
            }
        }

        if (value is JsonValue v && Type is "number" or "integer" && (v.TryGetValue<long>(out var whole) ? whole : v.TryGetValue<double>(out var real) ? real : (double?)null) is { } n)
        {
            if ((Minimum is { } min && n < min) || (Maximum is { } max && n > max))
            {
                error = $"'{Label}' must be between {Minimum?.ToString(CultureInfo.InvariantCulture) ?? "-inf"} and {Maximum?.ToString(CultureInfo.InvariantCulture) ?? "inf"}.";
                return false;
            }
        }

        if (value is JsonValue sv && Type == "string" && Choices.Count == 0 && sv.TryGetValue<string>(out var s))
        {
            if ((MinLength is { } minLength && s.Length < minLength) || (MaxLength is { } maxLength && s.Length > maxLength))
            {
                error = $"'{Label}' must be {MinLength ?? 0} to {MaxLength?.ToString(CultureInfo.InvariantCulture) ?? "any number of"} characters long.";
                return false;
            }
        }

        return true;
    }

    private static bool IsWhole(object number) => Convert.ToDouble(number, CultureInfo.InvariantCulture) is var d && Math.Abs(d % 1) < double.Epsilon;

    private static bool TryYesNo(string text, out bool value)
    {
        value = text.Equals("y", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase);
        return value || text.Equals("n", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase);
    }

    internal static McpElicitationField From(string name, ElicitRequestParams.PrimitiveSchemaDefinition schema, bool required)
    {
        var field = schema switch
        {
            ElicitRequestParams.StringSchema s => new McpElicitationField
            {
                Name = name,
                Type = "string",
                Default = s.Default,
                MinLength = s.MinLength,
                MaxLength = s.MaxLength,
                Format = s.Format,
            },
            ElicitRequestParams.NumberSchema n => new McpElicitationField
            {
                Name = name,
                Type = n.Type,
                Default = n.Default is { } d ? (n.Type == "integer" ? JsonValue.Create((long)d) : JsonValue.Create(d)) : null,
                Minimum = n.Minimum,
                Maximum = n.Maximum,
            },
            ElicitRequestParams.BooleanSchema b => new McpElicitationField { Name = name, Type = "boolean", Default = b.Default is { } bd ? JsonValue.Create(bd) : null },
            ElicitRequestParams.UntitledSingleSelectEnumSchema u => new McpElicitationField
            {
                Name = name,
                Type = "string",
                Default = u.Default,
                Choices = u.Enum.Select(v => new McpElicitationChoice(v, v)).ToArray(),
            },
            ElicitRequestParams.TitledSingleSelectEnumSchema t => new McpElicitationField
            {
                Name = name,
                Type = "string",
                Default = t.Default,
                Choices = t.OneOf.Select(o => new McpElicitationChoice(o.Const, o.Title)).ToArray(),
            },
            ElicitRequestParams.UntitledMultiSelectEnumSchema um => new McpElicitationField
            {
                Name = name,
                Type = "array",
                Default = ToArray(um.Default),
                Choices = um.Items.Enum.Select(v => new McpElicitationChoice(v, v)).ToArray(),
            },
            ElicitRequestParams.TitledMultiSelectEnumSchema tm => new McpElicitationField
            {
                Name = name,
                Type = "array",
                Default = ToArray(tm.Default),
                Choices = tm.Items.AnyOf.Select(o => new McpElicitationChoice(o.Const, o.Title)).ToArray(),
            },
#pragma warning disable MCP9001 // the deprecated enumNames form is still sent by servers of earlier revisions
            ElicitRequestParams.LegacyTitledEnumSchema l => new McpElicitationField
            {
                Name = name,
                Type = "string",
                Default = l.Default,
                Choices = l.Enum.Select((v, i) => new McpElicitationChoice(v, l.EnumNames is { } names && i < names.Count ? names[i] : v)).ToArray(),
            },
#pragma warning restore MCP9001
            _ => new McpElicitationField { Name = name, Type = schema.Type },
        };

        return new McpElicitationField
        {
            Name = field.Name,
            Type = field.Type,
            Default = field.Default,
            Choices = field.Choices,
            Minimum = field.Minimum,
            Maximum = field.Maximum,
            MinLength = field.MinLength,
            MaxLength = field.MaxLength,
            Format = field.Format,
            Title = schema.Title,
            Description = schema.Description,
            Required = required,
        };
    }

    private static JsonArray? ToArray(IList<string>? values) =>
        values is null ? null : [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];
}
