using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>One tool as a server lists it, with where it lives (<see cref="McpListedEntry"/>); its title may be its annotations' title.</summary>
internal sealed class McpToolInfo : McpListedEntry
{
    private readonly Lazy<string?> _problem;
    private readonly Lazy<ToolInputSchema?> _argumentSchema;

    public McpToolInfo()
    {
        _problem = new(() => EntryProblem ?? ToolSchemaGuard.FindProblem(InputSchema));
        _argumentSchema = new(() => Problem is null ? ToolInputSchema.Build(InputSchema) : null);
    }

    /// <summary>The input JSON schema, raw.</summary>
    public JsonElement InputSchema { get; init; }

    /// <summary>The output JSON schema, raw, when the tool declares one.</summary>
    public JsonElement? OutputSchema { get; init; }

    public McpToolAnnotations? Annotations { get; init; }

    /// <summary>
    /// Why the tool cannot be used, or null: its listing entry is not a tool (no name), or its
    /// <see cref="InputSchema"/> is unusable (see <see cref="ToolSchemaGuard"/>). Such a tool is kept in the
    /// listing (a lookup by name finds it and says why it cannot be called) but never checked or mapped.
    /// </summary>
    public override string? Problem => _problem.Value;

    /// <summary>
    /// <see cref="InputSchema"/> built for argument checks on first use and kept with the tool (null: not enforced,
    /// or unusable: see <see cref="Problem"/>); see <see cref="ToolArgumentValidator"/>.
    /// </summary>
    internal ToolInputSchema? ArgumentSchema => _argumentSchema.Value;

    /// <summary>
    /// One entry of a tools/list page, read leniently: whatever the entry holds, it becomes a tool, and only that
    /// tool is spoiled by what is wrong with it (<see cref="Problem"/>). The fields that are not of their type are
    /// left out; an entry without a name is named by its place (<paramref name="position"/>, from 1).
    /// </summary>
    internal static McpToolInfo FromJson(JsonElement entry, int position, string serverName, McpTarget target, string? protocolVersion = null)
    {
        var isObject = entry.ValueKind == JsonValueKind.Object;
        var name = JsonFields.Text(entry, "name");
        var annotations = JsonFields.Object(entry, "annotations");
        return new McpToolInfo
        {
            ProtocolVersion = protocolVersion,
            Name = name ?? string.Empty,
            EntryProblem = name is { Length: > 0 } ? null
                : isObject ? $"entry {position} of the listing has no name"
                : $"entry {position} of the listing is not a JSON object",
            Title = JsonFields.Text(entry, "title") ?? JsonFields.Text(annotations, "title"),
            Description = JsonFields.Text(entry, "description"),
            ServerName = serverName,
            OrdId = target.Dependency?.OrdId,
            GlobalTenantId = target.Dependency?.GlobalTenantId,
            Url = target.Url,
            InputSchema = isObject && entry.TryGetProperty("inputSchema", out var input) ? input.Clone() : default,
            // An outputSchema nested deeper than JSON readers go (a listing is read deeper than that) is no schema to use.
            OutputSchema = isObject && entry.TryGetProperty("outputSchema", out var output) && output.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False
                && !ToolSchemaGuard.NestsTooDeep(output)
                ? output.Clone()
                : null,
            Annotations = annotations.ValueKind == JsonValueKind.Object
                ? new McpToolAnnotations(JsonFields.Text(annotations, "title"), JsonFields.Flag(annotations, "readOnlyHint"), JsonFields.Flag(annotations, "destructiveHint"), JsonFields.Flag(annotations, "idempotentHint"), JsonFields.Flag(annotations, "openWorldHint"))
                : null,
        };
    }

    /// <summary>The error that says this tool cannot be used (its <see cref="Problem"/>); for a tool whose problem is not null.</summary>
    public McpGatewayException Unusable() => McpGatewayException.UnusableTool(Name, ServerName, Url, EntryProblem, Problem);
}
