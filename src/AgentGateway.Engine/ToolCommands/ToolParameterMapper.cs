using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// Turns a tool's inputSchema into the parameters of a PowerShell command: one per property, in schema order.
/// string → string (date-time format → datetime), integer → long, number → double, boolean → switch (bool when
/// required), array of T → T[], object → hashtable; required → Mandatory; enum → ValidateSet; minimum/maximum →
/// ValidateRange. A property whose name cannot be a parameter gets a safe name, never dropped.
/// </summary>
internal static partial class ToolParameterMapper
{
    /// <summary>The parameters every generated function has besides the tool's.</summary>
    public static readonly IReadOnlyList<string> OwnParameters = ["UserToken", "UserTokenProvider", "TimeoutSec", "AccessToken", "ThrottleLimit"];

    /// <summary>Names no tool parameter may take, nor use as an alias: PowerShell's common parameters and their aliases, and the function's own.</summary>
    private static readonly HashSet<string> s_reservedParameterNames = new(
        [
            "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa",
            "ProgressAction", "proga", "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv",
            "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv", "WhatIf", "wi", "Confirm", "cf",
            .. OwnParameters,
        ],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Names a parameter cannot take because its variable would be an automatic one or the function's own (an alias is fine).</summary>
    private static readonly HashSet<string> s_reservedVariableNames = new(
        [
            "_", "Args", "ConsoleFileName", "EnabledExperimentalFeatures", "Error", "Event", "EventArgs", "EventSubscriber",
            "ExecutionContext", "False", "ForEach", "Home", "Host", "Input", "IsCoreCLR", "IsLinux", "IsMacOS", "IsWindows",
            "LastExitCode", "Matches", "MyInvocation", "NestedPromptLevel", "Null", "OFS", "PID", "Profile", "PSBoundParameters",
            "PSCmdlet", "PSCommandPath", "PSCulture", "PSDebugContext", "PSEdition", "PSHome", "PSItem", "PSScriptRoot",
            "PSSenderInfo", "PSUICulture", "PSVersionTable", "PWD", "Sender", "ShellId", "StackTrace", "Switch", "This", "True",

            // The generated function's own variables (ToolFunctionScript), and the module's.
            "AgwRun", "AgwCall", "AgwAccessToken",
        ],
        StringComparer.OrdinalIgnoreCase);

    private const int MaxExampleDepth = 4;

    /// <summary>
    /// The parameters of a tool with this inputSchema (none when it has no properties). A schema
    /// <see cref="ToolSchemaGuard"/> refuses is an <see cref="McpGatewayException"/> (kind <see cref="McpErrorKind.UnusableTool"/>)
    /// before anything walks it: Get-McpTool never hands such a tool on, and no walk here goes deeper than the guard allows.
    /// </summary>
    public static IReadOnlyList<ToolParameter> Map(JsonElement inputSchema)
    {
        if (ToolSchemaGuard.FindProblem(inputSchema) is { } problem)
        {
            throw McpGatewayException.UnusableSchema(null, null, null, problem);
        }

        if (inputSchema.ValueKind != JsonValueKind.Object ||
            !inputSchema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var required = RequiredNames(inputSchema);
        var taken = new HashSet<string>(s_reservedParameterNames, StringComparer.OrdinalIgnoreCase);
        var result = new List<ToolParameter>();
        var index = 0;
        foreach (var property in properties.EnumerateObject())
        {
            index++;
            var schema = property.Value;
            var mandatory = required.Contains(property.Name);
            var (name, renamedBecause) = SafeName(property.Name, index, taken);
            taken.Add(name);
            string[] aliases = string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) || taken.Contains(property.Name)
                ? []
                : [property.Name];
            foreach (var alias in aliases)
            {
                taken.Add(alias);
            }

            var typeName = TypeName(schema, mandatory);
            var (range, rangeWarning) = RangeOf(schema, typeName);
            result.Add(new ToolParameter
            {
                Name = name,
                PropertyName = property.Name,
                Aliases = aliases,
                TypeName = typeName,
                SchemaType = SchemaType(schema),
                Mandatory = mandatory,
                ValidValues = ValidValues(schema),
                Range = range,
                Warning = rangeWarning,
                Description = Text(schema, "description") ?? Text(schema, "title"),
                DefaultJson = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("default", out var d) ? d.GetRawText() : null,
                KeysText = DescribeKeys(schema),
                ExampleValue = Example(schema, typeName, 0),
                RenamedBecause = renamedBecause,
            });
        }

        return result;
    }

    /// <summary>The keys of a nested object schema (or of an array's items), for the help.</summary>
    private static string? DescribeKeys(JsonElement schema)
    {
        var target = PrimaryType(schema) == "array" && schema.TryGetProperty("items", out var items) ? items : schema;
        if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var required = RequiredNames(target);
        var keys = properties.EnumerateObject()
            .Select(p => $"{p.Name} ({SchemaType(p.Value)}{(required.Contains(p.Name) ? ", required" : string.Empty)})")
            .ToArray();
        return keys.Length == 0 ? null : string.Join(", ", keys);
    }

    private static HashSet<string> RequiredNames(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            ? required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];

    private static (string Name, string? RenamedBecause) SafeName(string propertyName, int index, HashSet<string> taken)
    {
        var pascal = ToolCommandNames.Pascal(propertyName);
        string name;
        string? because = null;
        if (!IsIdentifier(pascal))
        {
            name = pascal.Length > 0 && IsIdentifier("Tool" + pascal) ? "Tool" + pascal : string.Create(CultureInfo.InvariantCulture, $"ToolArgument{index}");
            because = $"'{propertyName}' cannot be a parameter name";
        }
        else if (s_reservedParameterNames.Contains(pascal) || s_reservedVariableNames.Contains(pascal))
        {
            name = "Tool" + pascal;
            because = $"{pascal} is a common parameter, a parameter of every tool command or an automatic variable";
        }
        else
        {
            name = pascal;
        }

        var stem = name;
        for (var n = 2; taken.Contains(name); n++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{stem}{n}");
            because ??= $"another property is also named {stem}";
        }

        return (name, because);
    }

    [GeneratedRegex(@"^[\p{L}_][\p{L}\p{Nd}_]*$")]
    private static partial Regex Identifier();

    private static bool IsIdentifier(string name) => name.Length > 0 && Identifier().IsMatch(name);

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

    private static string? Text(JsonElement schema, string keyword) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;

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
