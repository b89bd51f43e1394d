using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Pointer;
using Json.Schema;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>A tool's input schema as JsonSchema.Net built it, with the JSON it came from (for limits and names in messages).</summary>
internal sealed class ToolInputSchema(JsonSchema schema, JsonElement root)
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

    /// <summary>
    /// The built schema, or null when it is not enforced (no constraints, a reference outside the document, or one
    /// the library cannot build). Only for a schema <see cref="ToolSchemaGuard"/> found no problem with: the library
    /// must never see one it refuses.
    /// </summary>
    public static ToolInputSchema? Build(JsonElement inputSchema)
    {
        // Undefined (no inputSchema) and {}: no constraints.
        if (inputSchema.ValueKind != JsonValueKind.Object || !inputSchema.EnumerateObject().Any() || RefersOutside(inputSchema))
        {
            return null;
        }

        return Attempt(() => new ToolInputSchema(JsonSchema.FromText(inputSchema.GetRawText()), inputSchema.Clone()));
    }

    /// <summary>
    /// The ways <paramref name="arguments"/> (null: <c>{}</c>) break the schema, in evaluation order. With a
    /// <paramref name="timeLimit"/>, the schema's patterns are tried first within half of it (see the remarks on
    /// <see cref="ToolArgumentValidator"/>); a pattern that takes too long throws for <paramref name="toolName"/>.
    /// </summary>
    public IReadOnlyList<ToolArgumentViolation> Validate(JsonNode? arguments, TimeSpan? timeLimit = null, string? toolName = null)
    {
        var instance = arguments ?? new JsonObject();
        if (timeLimit is { } limit)
        {
            TryPatterns(instance, limit, toolName);
        }

        EvaluationResults? results;
        try
        {
            results = Attempt(() => schema.Evaluate(instance, _options));
        }
        catch (RegexMatchTimeoutException e)
        {
            // The library's own match timeout: the check did not end, which is not a pass.
            throw McpGatewayException.ArgumentCheckTimedOut(toolName, timeLimit ?? e.MatchTimeout, ToolSchemaGuard.Cut(e.Pattern), e);
        }

        if (results is null or { IsValid: true })
        {
            return [];
        }

        var violations = new List<ToolArgumentViolation>();
        Collect(results, instance, violations);
        return violations.Distinct().ToList();
    }

    /// <summary>
    /// What the library cannot build or evaluate is not enforced (null): the server decides. A regular expression that
    /// timed out is not a failure to evaluate but a check that did not end: it is thrown on.
    /// </summary>
    private static T? Attempt<T>(Func<T> action)
        where T : class
    {
        try
        {
            return action();
        }
#pragma warning disable CA1031 // Whatever the library throws on is left to the server.
        catch (Exception e) when (e is not OutOfMemoryException && TimedOut(e) is null)
#pragma warning restore CA1031
        {
            return null;
        }
        catch (Exception e) when (TimedOut(e) is { } timeout && !ReferenceEquals(timeout, e))
        {
            throw timeout;
        }
    }

    private static RegexMatchTimeoutException? TimedOut(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RegexMatchTimeoutException timeout)
            {
                return timeout;
            }
        }

        return null;
    }

    /// <summary>
    /// The schema's patterns, with the changes the library makes to them (<c>{Letter}</c>, <c>{digit}</c>): of
    /// <c>pattern</c> (tried on string values) and of <c>patternProperties</c> (tried on property names). Found
    /// anywhere in the document, which may find more than apply, never fewer.
    /// </summary>
    private (string[] Values, string[] Names) Patterns => _patterns.Value;

    private readonly Lazy<(string[] Values, string[] Names)> _patterns = new(() => FindPatterns(root));

    private static (string[] Values, string[] Names) FindPatterns(JsonElement root)
    {
        var (values, names) = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        var pending = new Stack<JsonElement>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var element = pending.Pop();
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    pending.Push(item);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("pattern") && property.Value.ValueKind == JsonValueKind.String)
                    {
                        values.Add(AsLibraryReadsIt(property.Value.GetString()!));
                    }
                    else if (property.NameEquals("patternProperties") && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        names.UnionWith(property.Value.EnumerateObject().Select(p => AsLibraryReadsIt(p.Name)));
                    }

                    pending.Push(property.Value);
                }
            }
        }

        return ([.. values], [.. names]);
    }

    private static string AsLibraryReadsIt(string pattern) =>
        pattern.Replace("{Letter}", "{L}", StringComparison.Ordinal).Replace("{digit}", "{Nd}", StringComparison.Ordinal);

    /// <summary>
    /// Tries every pattern on every string it could apply to, within half of <paramref name="limit"/> in all (the
    /// library matches again, compiled, in the other half): a pattern that backtracks without end throws here,
    /// naming itself, before the library could spend its own five seconds on each string.
    /// </summary>
    private void TryPatterns(JsonNode instance, TimeSpan limit, string? toolName)
    {
        var (valuePatterns, namePatterns) = Patterns;
        if (valuePatterns.Length == 0 && namePatterns.Length == 0)
        {
            return;
        }

        var (values, names) = Strings(instance);
        var started = Stopwatch.GetTimestamp();
        var budget = limit / 2;
        foreach (var (patterns, inputs) in new[] { (valuePatterns, values), (namePatterns, names) })
        {
            foreach (var pattern in inputs.Count == 0 ? [] : patterns)
            {
                var left = budget - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    throw McpGatewayException.ArgumentCheckTimedOut(toolName, limit, ToolSchemaGuard.Cut(pattern));
                }

                Regex regex;
                try
                {
                    regex = new Regex(pattern, RegexOptions.ECMAScript, left);
                }
                catch (ArgumentException)
                {
                    continue; // .NET cannot parse it: the library cannot either, and leaves the schema unenforced
                }

                foreach (var input in inputs)
                {
                    try
                    {
                        _ = regex.IsMatch(input);
                    }
                    catch (RegexMatchTimeoutException e)
                    {
                        throw McpGatewayException.ArgumentCheckTimedOut(toolName, limit, ToolSchemaGuard.Cut(pattern), e);
                    }

                    if (Stopwatch.GetElapsedTime(started) > budget)
                    {
                        throw McpGatewayException.ArgumentCheckTimedOut(toolName, limit, ToolSchemaGuard.Cut(pattern));
                    }
                }
            }
        }
    }

    /// <summary>The distinct string values and property names of the arguments; without recursion.</summary>
    private static (HashSet<string> Values, HashSet<string> Names) Strings(JsonNode instance)
    {
        var (values, names) = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        var pending = new Stack<JsonNode?>();
        pending.Push(instance);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject obj:
                    foreach (var (name, value) in obj)
                    {
                        names.Add(name);
                        pending.Push(value);
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        pending.Push(item);
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    values.Add(value.GetValue<string>());
                    break;
            }
        }

        return (values, names);
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
