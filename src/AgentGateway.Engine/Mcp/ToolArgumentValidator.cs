using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.More;
using Json.Pointer;
using Json.Schema;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// Checks tool arguments against the tool's <c>inputSchema</c> before anything is sent, with JsonSchema.Net.
/// </summary>
/// <remarks>
/// <para>
/// Not enforced (no violations; the server decides): a schema without constraints (missing, <c>null</c>, <c>{}</c>,
/// <c>true</c>, any non-object, even <c>false</c>); one JsonSchema.Net cannot build (an unknown <c>$schema</c> such
/// as draft-04, an invalid regular expression, a malformed keyword); one whose <c>$ref</c>, <c>$dynamicRef</c> or
/// <c>$recursiveRef</c> points outside the document (not starting with <c>#</c>: refused before building, so nothing
/// is ever fetched); one whose evaluation throws (a dangling local <c>$ref</c>, for the arguments that reach it).
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
public static class ToolArgumentValidator
{
    /// <summary>
    /// The ways <paramref name="arguments"/> (null: no arguments, that is <c>{}</c>) break <paramref name="inputSchema"/>;
    /// empty when they match or when the schema is not enforced (see the remarks on <see cref="ToolArgumentValidator"/>).
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonObject? arguments) =>
        ToolInputSchema.Build(inputSchema)?.Validate(arguments) ?? [];

    /// <summary>
    /// The ways <paramref name="arguments"/> break <paramref name="inputSchema"/>; an undefined or null element counts as <c>{}</c>.
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonElement arguments) =>
        ToolInputSchema.Build(inputSchema)?.Validate(arguments.ValueKind == JsonValueKind.Undefined ? null : arguments.AsNode()) ?? [];

    /// <summary>
    /// Throws <see cref="McpArgumentException"/> listing every violation when <paramref name="arguments"/> break
    /// <paramref name="inputSchema"/>.
    /// </summary>
    /// <param name="inputSchema">The tool's input schema.</param>
    /// <param name="arguments">The tools/call arguments (null: none).</param>
    /// <param name="toolName">The tool's name, for the message.</param>
    public static void ThrowIfInvalid(JsonElement inputSchema, JsonObject? arguments, string? toolName = null) =>
        ThrowIfAny(Validate(inputSchema, arguments), toolName);

    /// <summary>
    /// Throws <see cref="McpArgumentException"/> when <paramref name="arguments"/> break the tool's input schema,
    /// built once per tool.
    /// </summary>
    public static void ThrowIfInvalid(McpToolInfo tool, JsonObject? arguments)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ThrowIfAny(tool.ArgumentSchema?.Validate(arguments) ?? [], tool.Name);
    }

    private static void ThrowIfAny(IReadOnlyList<ToolArgumentViolation> violations, string? toolName)
    {
        if (violations.Count > 0)
        {
            throw new McpArgumentException(toolName, violations);
        }
    }
}

/// <summary>A tool's input schema as JsonSchema.Net built it, with the JSON it came from (for limits and names in messages).</summary>
internal sealed class ToolInputSchema(JsonSchema schema, JsonElement root)
{
    private const int MaxListedValues = 10;

    /// <summary>JSON Schema type names in the order JsonSchema.Net's <see cref="SchemaValueType"/> flags list them.</summary>
    private static readonly string[] s_typeOrder = ["object", "array", "boolean", "string", "number", "integer", "null"];

    private static readonly Dictionary<string, string> s_relations = new(StringComparer.Ordinal)
    {
        ["minimum"] = "at least", ["maximum"] = "at most", ["exclusiveMinimum"] = "greater than", ["exclusiveMaximum"] = "less than", ["multipleOf"] = "a multiple of",
    };

    /// <summary>
    /// This schema's own options, the same on every call: JsonSchema.Net keeps the constraints it derives from a schema
    /// while it is evaluated with the same options object (a new one per call rebuilds them). Each evaluation copies
    /// them with a registry of its own: nothing registered globally (two schemas with one $id do not collide), nothing
    /// fetched (the global registry has no fetcher).
    /// </summary>
    private readonly EvaluationOptions _options = new()
    {
        OutputFormat = OutputFormat.Hierarchical,
        EvaluateAs = SpecVersion.Draft202012, // MCP's default dialect, for schemas that do not name one
    };

    /// <summary>The built schema, or null when it is not enforced (no constraints, or not usable).</summary>
    public static ToolInputSchema? Build(JsonElement inputSchema)
    {
        // Undefined, null, true, false, arrays, strings, numbers: no constraints. So is {}.
        if (inputSchema.ValueKind != JsonValueKind.Object || !inputSchema.EnumerateObject().Any() || RefersOutside(inputSchema))
        {
            return null;
        }

        return Attempt(() => new ToolInputSchema(JsonSchema.FromText(inputSchema.GetRawText()), inputSchema.Clone()));
    }

    /// <summary>The ways <paramref name="arguments"/> (null: <c>{}</c>) break the schema, in evaluation order.</summary>
    public IReadOnlyList<ToolArgumentViolation> Validate(JsonNode? arguments)
    {
        var instance = arguments ?? new JsonObject();
        var results = Attempt(() => schema.Evaluate(instance, _options));
        if (results is null or { IsValid: true })
        {
            return [];
        }

        var violations = new List<ToolArgumentViolation>();
        Collect(results, instance, violations);
        return violations.Distinct().ToList();
    }

    /// <summary>What the library cannot build or evaluate is not enforced (null): the server decides.</summary>
    private static T? Attempt<T>(Func<T> action)
        where T : class
    {
        try
        {
            return action();
        }
#pragma warning disable CA1031 // Whatever the library throws on is left to the server.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Whether a reference points outside the schema document (resolving it could mean a download).</summary>
    private static bool RefersOutside(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p =>
            (p.Name is "$ref" or "$dynamicRef" or "$recursiveRef" && p.Value.ValueKind == JsonValueKind.String && !p.Value.GetString()!.StartsWith('#'))
            || RefersOutside(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(RefersOutside),
        _ => false,
    };

    /// <summary>
    /// The violations of one failed schema node: the keywords it reports, an anyOf none of whose alternatives
    /// matched, a not whose schema matched; then its failed children, except alternatives and conditions
    /// (anyOf, oneOf, not, if, contains), whose failures are not violations by themselves.
    /// </summary>
    private void Collect(EvaluationResults node, JsonNode instance, List<ToolArgumentViolation> violations)
    {
        var depth = node.EvaluationPath.Count;
        IReadOnlyList<EvaluationResults> children = node.HasDetails ? node.Details : [];
        string KeywordOf(EvaluationResults child) => child.EvaluationPath.Count > depth ? child.EvaluationPath[depth] : string.Empty;
        bool Any(string keyword, bool valid) => children.Any(c => c.IsValid == valid && KeywordOf(c) == keyword);

        List<string> keywords = node.HasErrors ? [.. node.Errors!.Keys] : [];
        if (Any("anyOf", valid: false) && !Any("anyOf", valid: true))
        {
            keywords.Add("anyOf");
        }

        if (Any("not", valid: true))
        {
            keywords.Add("not");
        }

        var failed = children.Where(c => !c.IsValid && KeywordOf(c) is not ("anyOf" or "oneOf" or "not" or "if" or "contains")).ToList();
        if (keywords.Count == 0 && failed.Count == 0)
        {
            keywords.Add("schema"); // failed, and nothing says why
        }

        violations.AddRange(keywords.SelectMany(keyword => Describe(node, instance, keyword)));
        failed.ForEach(child => Collect(child, instance, violations));
    }

    private IEnumerable<ToolArgumentViolation> Describe(EvaluationResults node, JsonNode instance, string keyword)
    {
        var (path, evaluationPath) = (node.InstanceLocation.ToString(), node.EvaluationPath);
        var subject = Subject(instance, node.InstanceLocation, evaluationPath);
        var actual = node.InstanceLocation.TryEvaluate(instance, out var value) ? TypeName(value) : "a value";
        var rule = SchemaAt(node) is { ValueKind: JsonValueKind.Object } local && local.TryGetProperty(keyword, out var v) ? v : (JsonElement?)null;
        var limit = rule is { ValueKind: JsonValueKind.Number } n && n.TryGetDecimal(out var d) ? d.ToString(CultureInfo.InvariantCulture) : null;
        var bound = keyword.StartsWith("min", StringComparison.Ordinal) ? "at least" : "at most";
        if (keyword is "required" or "dependentRequired" or "dependencies" && value is JsonObject present && rule is { } names)
        {
            // required lists names; dependentRequired (and draft-07 dependencies) map a present property to names.
            var missing = (keyword == "required" ? Names(names) : names.ValueKind != JsonValueKind.Object ? []
                    : names.EnumerateObject().Where(p => present.ContainsKey(p.Name)).SelectMany(p => Names(p.Value)))
                .Where(name => !present.ContainsKey(name)).Distinct().Select(name => node.InstanceLocation.Combine(name)).ToList();
            if (missing.Count > 0)
            {
                return missing.Select(location => new ToolArgumentViolation(location.ToString(), keyword, keyword == "required"
                    ? $"Required property '{Display(instance, location)}' is missing."
                    : $"Required property '{Display(instance, location)}' is missing: the schema requires it when certain other properties are present."));
            }
        }

        if (keyword.Length == 0)
        {
            // A false schema: a property or item the schema forbids, named by the keyword that holds it.
            var owner = evaluationPath.Count > 0 ? evaluationPath[^1] : string.Empty;
            keyword = owner is "additionalProperties" or "unevaluatedProperties" or "items" or "additionalItems" or "unevaluatedItems" ? owner : "false";
        }

        string Types() => string.Join(" or ", s_typeOrder.Where(Names(rule).Contains)); // "type": a name or a list of names
        return [new(path, keyword, keyword switch
        {
            "anyOf" => $"{subject} does not match any of the alternatives the schema allows (anyOf).",
            "oneOf" => $"{subject} must match exactly one of the alternatives the schema allows (oneOf).",
            "not" => $"{subject} has a form the schema forbids (not).",
            "schema" => $"{subject} does not satisfy the tool's input schema.",
            "type" when Types() is { Length: > 0 } types => $"{subject} must be of type {types}, but got {actual}.",
            "type" => $"{subject} has the wrong type ({actual}).",
            "enum" when rule is { ValueKind: JsonValueKind.Array } values => $"{subject} must be one of {ListValues(values)} (got a different {actual}).",
            "enum" => $"{subject} is not one of the values the schema allows (got a different {actual}).",
            "const" when rule is { } constant => $"{subject} must be {Quote(constant)} (got a different {actual}).",
            "const" => $"{subject} is not the value the schema requires (got a different {actual}).",
            "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "multipleOf" when limit is not null =>
                $"{subject} must be {s_relations[keyword]} {limit}.",
            "minLength" or "maxLength" when limit is not null => $"{subject} must be {bound} {limit} characters long.",
            "minItems" or "maxItems" when limit is not null => $"{subject} must have {bound} {limit} items.",
            "minProperties" or "maxProperties" when limit is not null => $"{subject} must have {bound} {limit} properties.",
            "pattern" when rule is { ValueKind: JsonValueKind.String } pattern => $"{subject} does not match the pattern '{pattern.GetString()}'.",
            "pattern" => $"{subject} does not match the pattern the schema requires.",
            "format" when rule is { ValueKind: JsonValueKind.String } format => $"{subject} is not a valid '{format.GetString()}' value.",
            "format" => $"{subject} is not in the format the schema requires.",
            "uniqueItems" => $"{subject} must not contain duplicate items.",
            "contains" or "minContains" or "maxContains" => $"{subject} does not contain the number of matching items the schema requires ({keyword}).",
            "additionalProperties" or "unevaluatedProperties" => $"{subject} is not allowed: the tool does not declare it.",
            "items" or "additionalItems" or "unevaluatedItems" => $"{subject} is not allowed: the array accepts no further items.",
            "false" => $"{subject} is not allowed by the schema.",
            _ => $"{subject} does not satisfy the schema rule '{keyword}'.",
        })];
    }

    /// <summary>The subschema that produced <paramref name="node"/>, when it lies in this schema's document.</summary>
    private JsonElement? SchemaAt(EvaluationResults node)
    {
        var location = node.SchemaLocation;
        return location is { IsAbsoluteUri: true }
            && string.Equals(location.GetLeftPart(UriPartial.Query), schema.BaseUri.GetLeftPart(UriPartial.Query), StringComparison.Ordinal)
            && JsonPointer.TryParse(Uri.UnescapeDataString(location.Fragment.TrimStart('#')), out var pointer)
                ? pointer.Evaluate(root)
                : null;
    }

    /// <summary>"Property 'address.zip'", "Item 'tags[0]'", "The name of property 'x'" or "The arguments".</summary>
    private static string Subject(JsonNode instance, JsonPointer location, JsonPointer evaluationPath) =>
        location.Count == 0 ? "The arguments"
        : evaluationPath.Contains("propertyNames") ? $"The name of property '{Display(instance, location)}'"
        : Display(instance, location) is var display && display.EndsWith(']') ? $"Item '{display}'"
        : $"Property '{display}'";

    /// <summary>A JSON Pointer as a script author writes it: address.zip, tags[0].</summary>
    private static string Display(JsonNode? current, JsonPointer location)
    {
        var text = new StringBuilder();
        foreach (var segment in location)
        {
            if (current is JsonArray array)
            {
                text.Append('[').Append(segment).Append(']');
                current = int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count ? array[index] : null;
            }
            else
            {
                text.Append(text.Length > 0 ? "." : string.Empty).Append(segment);
                current = (current as JsonObject)?[segment];
            }
        }

        return text.ToString();
    }

    /// <summary>The JSON Schema type name of a value: object, array, string, integer (3 and 3.0), number, boolean, null.</summary>
    private static string TypeName(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) && Math.Floor(d) == d ? "integer" : "number",
        _ => "boolean",
    };

    /// <summary>The names a keyword gives: one string, or the strings of an array.</summary>
    private static IEnumerable<string> Names(JsonElement? names) => names switch
    {
        { ValueKind: JsonValueKind.String } one => [one.GetString()!],
        { ValueKind: JsonValueKind.Array } many => many.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
        _ => [],
    };

    private static string ListValues(JsonElement values) => string.Join(", ", values.EnumerateArray().Take(MaxListedValues).Select(Quote))
        + (values.GetArrayLength() > MaxListedValues ? ", …" : string.Empty);

    private static string Quote(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? $"'{value.GetString()}'"
        : value.GetRawText();
}
