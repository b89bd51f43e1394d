using System.Text.Json;
using System.Text.Json.Nodes;
using Json.More;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// Checks tool arguments against the tool's <c>inputSchema</c> before anything is sent, with JsonSchema.Net.
/// </summary>
/// <remarks>
/// <para>
/// Unusable (an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.UnusableTool"/>, before the schema
/// library sees it): what <see cref="ToolSchemaGuard"/> refuses, among it any non-object (<c>null</c>, <c>true</c>,
/// <c>false</c>, a string, an array), a <c>type</c> other than <c>"object"</c>, a <c>$ref</c> loop that would
/// overflow the library's stack and end the process, and a local <c>$ref</c> to nothing.
/// </para>
/// <para>
/// Not enforced (no violations; the server decides): a schema without constraints (missing, <c>{}</c>); one
/// JsonSchema.Net cannot build (an unknown <c>$schema</c> such as draft-04, an invalid regular expression, a
/// malformed keyword); one whose <c>$ref</c>, <c>$dynamicRef</c> or <c>$recursiveRef</c> points outside the document
/// (not starting with <c>#</c>: refused before building, so nothing is ever fetched).
/// </para>
/// <para>
/// Bounded in time: given a time limit, every <c>pattern</c> of the schema is first tried on every string of the
/// arguments, and every <c>patternProperties</c> pattern on every property name, with a match timeout (half the
/// limit in all), so a pattern that backtracks without end (<c>^(a+)+$</c>) ends the check with an
/// <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ArgumentCheckTimeout"/>, never a silent pass;
/// so does a pattern the library itself gives up on.
/// </para>
/// <para>
/// Schemas without <c>$schema</c> are read as JSON Schema 2020-12 (the MCP default) with unknown keywords allowed
/// (<c>x-order</c>, <c>definitions</c>); as in 2020-12, <c>format</c> is an annotation and is not enforced.
/// A listed tool's schema is built on its first check and kept on the <see cref="McpToolInfo"/>
/// (<see cref="McpToolInfo.ArgumentSchema"/>); the overloads taking a bare <see cref="JsonElement"/> build it per call.
/// </para>
/// <para>
/// Messages come from JsonSchema.Net's hierarchical output (keyword, instance location, evaluation path) and the
/// schema itself, never from the library's wording. They name the property (<c>address.zip</c>, <c>tags[0]</c>)
/// and the rule, and quote the schema (limits, allowed values, patterns) but never an argument's value, only its
/// JSON type: arguments may hold secrets.
/// </para>
/// </remarks>
internal static class ToolArgumentValidator
{
    /// <summary>
    /// The ways <paramref name="arguments"/> (null: no arguments, that is <c>{}</c>) break <paramref name="inputSchema"/>;
    /// empty when they match or when the schema is not enforced (see the remarks on <see cref="ToolArgumentValidator"/>).
    /// An unusable schema throws.
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonObject? arguments) =>
        Usable(inputSchema, null)?.Validate(arguments) ?? [];

    /// <summary>
    /// The ways <paramref name="arguments"/> break <paramref name="inputSchema"/>; an undefined or null element counts as <c>{}</c>.
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonElement arguments) =>
        Usable(inputSchema, null)?.Validate(arguments.ValueKind == JsonValueKind.Undefined ? null : arguments.AsNode()) ?? [];

    /// <summary>
    /// Throws <see cref="McpArgumentException"/> listing every violation when <paramref name="arguments"/> break
    /// <paramref name="inputSchema"/>.
    /// </summary>
    /// <param name="inputSchema">The tool's input schema.</param>
    /// <param name="arguments">The tools/call arguments (null: none).</param>
    /// <param name="toolName">The tool's name, for the message.</param>
    public static void ThrowIfInvalid(JsonElement inputSchema, JsonObject? arguments, string? toolName = null) =>
        ThrowIfAny(Usable(inputSchema, toolName)?.Validate(arguments, null, toolName) ?? [], toolName);

    /// <summary>
    /// Throws when the tool cannot be used (<see cref="McpToolInfo.Problem"/>: an <see cref="McpGatewayException"/> of
    /// kind <see cref="McpErrorKind.UnusableTool"/>), or when <paramref name="arguments"/> break the tool's input
    /// schema, built once per tool (<see cref="McpArgumentException"/>), or when the check takes longer than
    /// <paramref name="timeLimit"/> (kind <see cref="McpErrorKind.ArgumentCheckTimeout"/>; null: no limit of ours).
    /// </summary>
    public static void ThrowIfInvalid(McpToolInfo tool, JsonObject? arguments, TimeSpan? timeLimit = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (tool.Problem is not null)
        {
            throw tool.Unusable();
        }

        ThrowIfAny(tool.ArgumentSchema?.Validate(arguments, timeLimit, tool.Name) ?? [], tool.Name);
    }

    /// <summary>The built schema (null: not enforced); an unusable one throws, before the library sees it.</summary>
    private static ToolInputSchema? Usable(JsonElement inputSchema, string? toolName) =>
        ToolSchemaGuard.FindProblem(inputSchema) is { } problem
            ? throw McpGatewayException.UnusableSchema(toolName, null, null, problem)
            : ToolInputSchema.Build(inputSchema);

    private static void ThrowIfAny(IReadOnlyList<ToolArgumentViolation> violations, string? toolName)
    {
        if (violations.Count > 0)
        {
            throw new McpArgumentException(toolName, violations);
        }
    }
}
