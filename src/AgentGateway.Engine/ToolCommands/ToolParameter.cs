namespace AgentGateway.Engine.ToolCommands;

/// <summary>One parameter of a generated tool command: one property of the tool's inputSchema.</summary>
internal sealed record ToolParameter
{
    /// <summary>The PowerShell parameter name (PascalCase, or a safe name when the property's cannot be a parameter).</summary>
    public required string Name { get; init; }

    /// <summary>The property name in the inputSchema: the key the argument is sent under.</summary>
    public required string PropertyName { get; init; }

    /// <summary>Other names the parameter answers to (the property's own name when it differs), also for piped objects.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The PowerShell type, as a type literal without brackets: string, long, double, switch, bool, datetime, hashtable, object, or an array of one.</summary>
    public required string TypeName { get; init; }

    /// <summary>The JSON Schema type as the help shows it: "integer", "array of object", ...</summary>
    public required string SchemaType { get; init; }

    /// <summary>The property is in the schema's <c>required</c> list.</summary>
    public bool Mandatory { get; init; }

    /// <summary>The allowed values (the schema's <c>enum</c>, or its items' for an array), or null.</summary>
    public IReadOnlyList<string>? ValidValues { get; init; }

    /// <summary>The allowed range (minimum/maximum, exclusive bounds tightened for integers), or null.</summary>
    public ToolParameterRange? Range { get; init; }

    public string? Description { get; init; }

    /// <summary>The schema's <c>default</c>, as JSON text, for the help.</summary>
    public string? DefaultJson { get; init; }

    /// <summary>The keys of an object (or of the objects of an array) for the help: "street (string, required), city (string)".</summary>
    public string? KeysText { get; init; }

    /// <summary>A PowerShell expression of a valid value, for the example.</summary>
    public required string ExampleValue { get; init; }

    /// <summary>What of the schema the parameter could not carry (bounds that admit no value), or null: the help says it, and Import-McpTool and Export-McpToolModule warn.</summary>
    public string? Warning { get; init; }

    /// <summary>Why <see cref="Name"/> is not the property name in PascalCase, or null.</summary>
    public string? RenamedBecause { get; init; }

    /// <summary>The values of an enum are case-sensitive on the wire: PowerShell matches them case-insensitively, the function sends the schema's spelling.</summary>
    public bool CanonicalizesValues => ValidValues is not null && TypeName is "string" or "string[]";
}

/// <summary>A ValidateRange: both bounds given, as PowerShell literals of the parameter's type.</summary>
internal sealed record ToolParameterRange(string Minimum, string Maximum);
