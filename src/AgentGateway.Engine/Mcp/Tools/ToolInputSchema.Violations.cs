using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Pointer;
using Json.Schema;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The violations of failed arguments, from the library's hierarchical output and the schema: which keyword failed,
/// where (a path as a script author writes it), and a message that names the rule.
/// </summary>
internal sealed partial class ToolInputSchema
{
    private const int MaxListedValues = 10;

    /// <summary>JSON Schema type names in the order JsonSchema.Net's <see cref="SchemaValueType"/> flags list them.</summary>
    private static readonly string[] s_typeOrder = ["object", "array", "boolean", "string", "number", "integer", "null"];

    private static readonly Dictionary<string, string> s_relations = new(StringComparer.Ordinal)
    {
        ["minimum"] = "at least",
        ["maximum"] = "at most",
        ["exclusiveMinimum"] = "greater than",
        ["exclusiveMaximum"] = "less than",
        ["multipleOf"] = "a multiple of",
    };

    /// <summary>
    /// The violations of one failed schema node: the keywords it reports, an anyOf none of whose alternatives
    /// matched, a not whose schema matched; then its failed children, except alternatives and conditions
    /// (anyOf, oneOf, not, if, contains), whose failures are not violations by themselves.
    /// </summary>
    private void Collect(EvaluationResults node, JsonNode instance, List<ToolArgumentViolation> violations)
    {
        var depth = node.EvaluationPath.Count;
        var children = node.HasDetails ? node.Details : [];
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
