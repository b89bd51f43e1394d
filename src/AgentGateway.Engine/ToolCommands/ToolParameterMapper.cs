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

    private static string? Text(JsonElement schema, string keyword) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;
}
