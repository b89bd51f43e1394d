using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// Decides whether a tool's <c>inputSchema</c> can be used at all, from its JSON alone, before any schema library
/// (or the command mapper) walks it: a server's schema is untrusted input, and JsonSchema.Net follows a <c>$ref</c>
/// loop until the stack overflows, which ends the process (no exception can be caught), or multiplies a schema whose
/// <c>$ref</c>s fan out until the check takes minutes. Walking the schema once here, iteratively and with bounds,
/// turns each of these into a sentence that names the problem.
/// </summary>
/// <remarks>
/// <para>Unusable:</para>
/// <list type="bullet">
/// <item>an inputSchema that is not a JSON object (a string, a number, <c>null</c>, an array, <c>true</c>,
/// <c>false</c>), or whose <c>type</c> is not <c>"object"</c> (MCP requires an object schema; a missing one is
/// taken as <c>{}</c>);</item>
/// <item>JSON nested deeper than <see cref="MaxJsonDepth"/> levels;</item>
/// <item>a loop of subschemas that applies to the same value again without going into it: <c>{"$ref":"#"}</c>,
/// two <c>$defs</c> that refer to each other, an <c>allOf</c> that refers back to its schema. A loop that goes
/// into the value (<c>properties</c>, <c>items</c>, ...) is a recursive schema, which is fine: each round
/// consumes a level of the arguments;</item>
/// <item>subschemas that, followed through their <c>$ref</c>s, nest deeper than <see cref="MaxSubschemaDepth"/>;</item>
/// <item><c>$ref</c>s that multiply the schema into more than <see cref="MaxExpansionAtOneValue"/> subschemas applied
/// to one value, or more than <see cref="MaxExpansion"/> in all (a schema "billion laughs");</item>
/// <item>a local <c>$ref</c> (starting with <c>#</c>) that points at nothing in the document.</item>
/// </list>
/// <para>
/// A schema without any reference keyword is a tree no deeper than its JSON, each node applied once: only the
/// first two checks concern it (most tools' schemas). A <c>$ref</c> that does not start with <c>#</c> (another document) is not followed here; the argument check
/// does not enforce such a schema at all, so nothing is ever fetched. <c>$dynamicRef</c> and <c>$recursiveRef</c>
/// are taken to reach every place they could (any schema with a matching anchor), so a loop through them is found
/// whatever the dynamic scope.
/// </para>
/// </remarks>
internal static class ToolSchemaGuard
{
    /// <summary>The deepest JSON nesting accepted (System.Text.Json's default reading depth).</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>The deepest chain of subschemas accepted, counting every <c>$ref</c> followed as a level.</summary>
    public const int MaxSubschemaDepth = 64;

    /// <summary>The most subschemas that may apply to one value of the arguments (through <c>allOf</c>, <c>anyOf</c>, <c>$ref</c>, ...).</summary>
    public const int MaxExpansionAtOneValue = 2_000;

    /// <summary>The most subschemas the whole schema may expand to when its <c>$ref</c>s are followed (loops cut).</summary>
    public const int MaxExpansion = 100_000;

    /// <summary>
    /// Why <paramref name="inputSchema"/> cannot be used, as a clause that completes "The inputSchema ... cannot be
    /// used: ", or null when it can. An undefined element (no inputSchema) can: it has no constraints.
    /// </summary>
    public static string? FindProblem(JsonElement inputSchema)
    {
        if (inputSchema.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        if (inputSchema.ValueKind != JsonValueKind.Object)
        {
            return $"it is {Describe(inputSchema)}, not a JSON object";
        }

        if (inputSchema.TryGetProperty("type", out var type) && !IsObjectType(type))
        {
            return $"its \"type\" is {Cut(type.GetRawText())}, not \"object\"";
        }

        var (tooDeep, refers) = Scan(inputSchema, MaxJsonDepth);
        if (tooDeep)
        {
            return $"its JSON nests deeper than {MaxJsonDepth} levels";
        }

        // Without references a schema is a tree no deeper than its JSON, applied at most once per node: nothing
        // to follow, nothing to multiply. Most tools' schemas end here.
        return refers ? new ToolSchemaGraph(inputSchema).FindProblem() : null;
    }

    private static bool IsObjectType(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => type.ValueEquals("object"),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.ValueEquals("object")),
        _ => false,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>Server text quoted in a message: at most 60 characters.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    internal static string? Cut(string? text) => text is null || text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 59), "…");

    /// <summary>Whether the JSON nests deeper than <see cref="MaxJsonDepth"/> levels (iterative: any depth is measured safely).</summary>
    internal static bool NestsTooDeep(JsonElement root) => Scan(root, MaxJsonDepth).TooDeep;

    /// <summary>
    /// Whether the JSON nests deeper than <paramref name="limit"/> levels, and whether it holds a reference keyword
    /// anywhere; iterative, so any depth is measured safely.
    /// </summary>
    private static (bool TooDeep, bool Refers) Scan(JsonElement root, int limit)
    {
        var refers = false;
        var stack = new Stack<(JsonElement Element, int Depth)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (element, depth) = stack.Pop();
            if (depth > limit)
            {
                return (true, refers);
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    refers = refers || property.NameEquals("$ref") || property.NameEquals("$dynamicRef") || property.NameEquals("$recursiveRef");
                    if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        stack.Push((property.Value, depth + 1));
                    }
                }
            }
            else
            {
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        stack.Push((item, depth + 1));
                    }
                }
            }
        }

        return (false, refers);
    }
}
