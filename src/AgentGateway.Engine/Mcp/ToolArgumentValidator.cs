using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// Checks tool arguments against the tool's <c>inputSchema</c> before anything is sent, with JsonSchema.Net.
/// </summary>
/// <remarks>
/// <para>
/// A schema without constraints passes everything: a missing (<c>default</c>/undefined) or <c>null</c> element,
/// <c>{}</c>, <c>true</c>, or any other non-object (including <c>false</c>: the server decides).
/// </para>
/// <para>
/// A schema this validator cannot use is not enforced (no violations; the server decides): one JsonSchema.Net
/// cannot build (an unknown <c>$schema</c> dialect such as draft-04, an invalid regular expression, a malformed
/// keyword), one whose <c>$ref</c>, <c>$dynamicRef</c> or <c>$recursiveRef</c> points outside the schema document
/// (anything not starting with <c>#</c>), or one whose evaluation throws (JsonSchema.Net resolves a local
/// <c>$ref</c> when evaluation reaches it, so a dangling one disables the check only for arguments that reach it).
/// Nothing is ever fetched over the network: such references are refused before building, and each schema is
/// built with its own empty registry.
/// </para>
/// <para>
/// Schemas without <c>$schema</c> are read as JSON Schema 2020-12 (the MCP default) with unknown keywords allowed,
/// so annotations such as <c>x-order</c> or <c>definitions</c> do not make a schema unusable. As in 2020-12,
/// <c>format</c> is an annotation and is not enforced.
/// </para>
/// <para>
/// Built schemas are cached by their JSON text, at most <see cref="CacheCapacity"/> of them (the cache is emptied
/// when full); a schema that could not be built is cached as such, so it is not retried on every call.
/// </para>
/// <para>
/// Messages name the property (<c>address.zip</c>, <c>tags[0]</c>) and the rule, and quote the schema (limits,
/// allowed values, patterns) but never an argument's value, only its JSON type: arguments may hold secrets.
/// </para>
/// </remarks>
public static class ToolArgumentValidator
{
    /// <summary>How many built schemas are kept.</summary>
    public const int CacheCapacity = 128;

    private const int MaxListedValues = 10;

    private static readonly ConcurrentDictionary<string, CompiledSchema?> s_cache = new(StringComparer.Ordinal);

    private static readonly HashSet<string> s_namedChildKeywords = new(StringComparer.Ordinal)
    {
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies",
    };

    private static readonly HashSet<string> s_indexedChildKeywords = new(StringComparer.Ordinal)
    {
        "anyOf", "oneOf", "allOf", "prefixItems",
    };

    private static readonly HashSet<string> s_falseSchemaRules = new(StringComparer.Ordinal)
    {
        "additionalProperties", "unevaluatedProperties", "items", "additionalItems", "unevaluatedItems",
    };

    private static readonly Regex s_typeText = new("should be \"(?<value>[^\"]+)\"$", RegexOptions.CultureInvariant);
    private static readonly Regex s_requiredText = new("(?<value>\\[.*\\])", RegexOptions.CultureInvariant);
    private static readonly Regex s_formatText = new("format \"(?<value>[^\"]+)\"", RegexOptions.CultureInvariant);
    private static readonly Regex s_limitText = new("(?:at least|at most|less than|greater than|a multiple of) (?<value>[^ ]+)$", RegexOptions.CultureInvariant);
    private static readonly Regex s_countText = new("at (?:least|most) (?<value>[0-9]+) ", RegexOptions.CultureInvariant);

    /// <summary>Number of schemas currently cached (for tests).</summary>
    internal static int CachedSchemaCount => s_cache.Count;

    /// <summary>
    /// The ways <paramref name="arguments"/> (null: no arguments, that is <c>{}</c>) break <paramref name="inputSchema"/>;
    /// empty when they match or when the schema is not enforced (see the remarks on <see cref="ToolArgumentValidator"/>).
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonObject? arguments)
    {
        var schema = GetSchema(inputSchema);
        if (schema is null)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (arguments is null)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                arguments.WriteTo(writer);
            }
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return Evaluate(schema, document.RootElement);
    }

    /// <summary>
    /// The ways <paramref name="arguments"/> break <paramref name="inputSchema"/>; an undefined or null element counts as <c>{}</c>.
    /// </summary>
    public static IReadOnlyList<ToolArgumentViolation> Validate(JsonElement inputSchema, JsonElement arguments)
    {
        var schema = GetSchema(inputSchema);
        if (schema is null)
        {
            return [];
        }

        if (arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            using var empty = JsonDocument.Parse("{}");
            return Evaluate(schema, empty.RootElement);
        }

        return Evaluate(schema, arguments);
    }

    /// <summary>
    /// Throws <see cref="McpArgumentException"/> listing every violation when <paramref name="arguments"/> break
    /// <paramref name="inputSchema"/>.
    /// </summary>
    /// <param name="inputSchema">The tool's input schema.</param>
    /// <param name="arguments">The tools/call arguments (null: none).</param>
    /// <param name="toolName">The tool's name, for the message.</param>
    public static void ThrowIfInvalid(JsonElement inputSchema, JsonObject? arguments, string? toolName = null)
    {
        var violations = Validate(inputSchema, arguments);
        if (violations.Count > 0)
        {
            throw new McpArgumentException(toolName, violations);
        }
    }

    /// <summary>Throws <see cref="McpArgumentException"/> when <paramref name="arguments"/> break the tool's input schema.</summary>
    public static void ThrowIfInvalid(McpToolInfo tool, JsonObject? arguments)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ThrowIfInvalid(tool.InputSchema, arguments, tool.Name);
    }

    /// <summary>Empties the schema cache (for tests).</summary>
    internal static void ClearCache() => s_cache.Clear();

    private static CompiledSchema? GetSchema(JsonElement inputSchema)
    {
        // Undefined, null, true, false, arrays, strings, numbers: no constraints. So is {}.
        if (inputSchema.ValueKind != JsonValueKind.Object || !inputSchema.EnumerateObject().MoveNext())
        {
            return null;
        }

        var text = inputSchema.GetRawText();
        if (s_cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var compiled = Compile(text);
        if (s_cache.Count >= CacheCapacity)
        {
            s_cache.Clear();
        }

        return s_cache.GetOrAdd(text, compiled);
    }

    private static CompiledSchema? Compile(string text)
    {
        JsonElement root;
        using (var document = JsonDocument.Parse(text))
        {
            root = document.RootElement.Clone();
        }

        if (RefersOutside(root))
        {
            return null;
        }

        try
        {
            // JsonSchema.Net 7.4 is the version PowerShell 7.6 itself loads (for Test-Json): one copy
            // per process, so the module uses the same one. Unknown keywords are kept as annotations.
            return new CompiledSchema(JsonSchema.FromText(text), root);
        }
#pragma warning disable CA1031 // Whatever the library cannot build is left to the server.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Whether a reference points outside the schema document (resolving it could mean a download).</summary>
    private static bool RefersOutside(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "$ref" or "$dynamicRef" or "$recursiveRef"
                        && property.Value.ValueKind == JsonValueKind.String
                        && !property.Value.GetString()!.StartsWith('#'))
                    {
                        return true;
                    }

                    if (RefersOutside(property.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (RefersOutside(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static List<ToolArgumentViolation> Evaluate(CompiledSchema schema, JsonElement instance)
    {
        EvaluationResults results;
        try
        {
            // Each evaluation has its own options and so its own registry: nothing registered
            // globally, nothing fetched (the global registry has no fetcher).
            results = schema.Schema.Evaluate(instance, new EvaluationOptions
            {
                OutputFormat = OutputFormat.List,

                // MCP's default dialect, for schemas that do not name one.
                EvaluateAs = SpecVersion.Draft202012,

                // The messages are parsed for limits and names: keep them in their invariant (English) form.
                Culture = CultureInfo.InvariantCulture,
            });
        }
#pragma warning disable CA1031 // A schema the library cannot evaluate is left to the server.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return [];
        }

        var violations = new List<ToolArgumentViolation>();
        if (results.IsValid)
        {
            return violations;
        }

        var nodes = new List<EvaluationResults> { results };
        if (results.Details is { } details)
        {
            nodes.AddRange(details.Where(d => !ReferenceEquals(d, results)));
        }

        var seen = new HashSet<ToolArgumentViolation>();
        var reported = new List<string>();
        var alternatives = new Dictionary<string, string>(StringComparer.Ordinal);

        void Add(ToolArgumentViolation violation)
        {
            if (seen.Add(violation))
            {
                violations.Add(violation);
            }
        }

        // 1. Nodes that name a failed keyword.
        foreach (var node in nodes)
        {
            if (node.IsValid || node.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var evaluationPath = Segments(node.EvaluationPath.ToString());
            if (FindBranch(evaluationPath) is { } branch)
            {
                // Inside anyOf/oneOf/not/if/contains, a failure is one alternative, not a violation by itself.
                if (branch.Keyword is "anyOf" or "oneOf")
                {
                    alternatives.TryAdd(branch.Owner, branch.Keyword);
                }

                continue;
            }

            var instancePath = node.InstanceLocation.ToString();
            foreach (var (keyword, text) in errors)
            {
                foreach (var violation in Describe(schema, instance, node, instancePath, evaluationPath, keyword, text))
                {
                    Add(violation);
                }
            }

            reported.Add(Join(evaluationPath));
        }

        // 2. Failed nodes that said nothing and under which nothing was reported: a failed anyOf, oneOf or not.
        var silent = nodes
            .Where(n => !n.IsValid && n.Errors is not { Count: > 0 })
            .Select(n => (Node: n, Path: Segments(n.EvaluationPath.ToString())))
            .Where(n => FindBranch(n.Path) is null)
            .OrderByDescending(n => n.Path.Count)
            .ToList();
        foreach (var (node, path) in silent)
        {
            var joined = Join(path);
            if (reported.Exists(r => IsAtOrBelow(r, joined)))
            {
                continue;
            }

            var rule = alternatives.TryGetValue(joined, out var alternative)
                ? alternative
                : SchemaAt(schema, path) is { } local && FirstKeyword(local, "oneOf", "anyOf", "not") is { } found
                    ? found
                    : "schema";
            var instancePath = node.InstanceLocation.ToString();
            var subject = Subject(instance, instancePath, path);
            Add(new ToolArgumentViolation(instancePath, rule, rule switch
            {
                "anyOf" => $"{subject} does not match any of the alternatives the schema allows (anyOf).",
                "oneOf" => $"{subject} must match exactly one of the alternatives the schema allows (oneOf).",
                "not" => $"{subject} has a form the schema forbids (not).",
                _ => $"{subject} does not satisfy the tool's input schema.",
            }));
            reported.Add(joined);
        }

        return violations;
    }

    private static IEnumerable<ToolArgumentViolation> Describe(
        CompiledSchema schema,
        JsonElement instance,
        EvaluationResults node,
        string instancePath,
        IReadOnlyList<string> evaluationPath,
        string keyword,
        string text)
    {
        var subject = Subject(instance, instancePath, evaluationPath);
        var actual = TypeName(Resolve(instance, instancePath));
        switch (keyword)
        {
            // JsonSchema.Net 7 reports a failed combinator on its own node, with an error text.
            case "anyOf":
                return [new ToolArgumentViolation(instancePath, keyword, $"{subject} does not match any of the alternatives the schema allows (anyOf).")];
            case "oneOf":
                return [new ToolArgumentViolation(instancePath, keyword, $"{subject} must match exactly one of the alternatives the schema allows (oneOf).")];
            case "not":
                return [new ToolArgumentViolation(instancePath, keyword, $"{subject} has a form the schema forbids (not).")];
            case "required":
            case "dependentRequired":
            case "dependencies" when text.StartsWith("Some required", StringComparison.Ordinal):
                var names = ParseNames(text);
                if (names is null)
                {
                    return [Generic(instancePath, keyword, subject)];
                }

                return names.Select(name =>
                {
                    var path = instancePath + "/" + EscapeSegment(name);
                    var display = Display(instance, path);
                    return new ToolArgumentViolation(path, keyword, keyword == "required"
                        ? $"Required property '{display}' is missing."
                        : $"Required property '{display}' is missing: the schema requires it when certain other properties are present.");
                });
            case "type":
                var expected = Capture(s_typeText, text);
                return [new(instancePath, keyword, expected is null
                    ? $"{subject} has the wrong type ({actual})."
                    : $"{subject} must be of type {string.Join(" or ", expected.Split(", "))}, but got {actual}.")];
            case "enum":
                var allowed = SchemaKeyword(schema, node, "enum");
                return [new(instancePath, keyword, allowed is { ValueKind: JsonValueKind.Array } values
                    ? $"{subject} must be one of {ListValues(values)} (got a different {actual})."
                    : $"{subject} is not one of the values the schema allows (got a different {actual}).")];
            case "const":
                var constant = SchemaKeyword(schema, node, "const");
                return [new(instancePath, keyword, constant is { } value
                    ? $"{subject} must be {Quote(value)} (got a different {actual})."
                    : $"{subject} is not the value the schema requires (got a different {actual}).")];
            case "minimum":
            case "maximum":
            case "exclusiveMinimum":
            case "exclusiveMaximum":
            case "multipleOf":
                var limit = Capture(s_limitText, text);
                var relation = keyword switch
                {
                    "minimum" => "at least",
                    "maximum" => "at most",
                    "exclusiveMinimum" => "greater than",
                    "exclusiveMaximum" => "less than",
                    _ => "a multiple of",
                };
                return [limit is null ? Generic(instancePath, keyword, subject) : new(instancePath, keyword, $"{subject} must be {relation} {limit}.")];
            case "minLength":
            case "maxLength":
            case "minItems":
            case "maxItems":
            case "minProperties":
            case "maxProperties":
                var count = Capture(s_countText, text);
                var bound = keyword.StartsWith("min", StringComparison.Ordinal) ? "at least" : "at most";
                return [count is null ? Generic(instancePath, keyword, subject) : new(instancePath, keyword, keyword switch
                {
                    "minLength" or "maxLength" => $"{subject} must be {bound} {count} characters long.",
                    "minItems" or "maxItems" => $"{subject} must have {bound} {count} items.",
                    _ => $"{subject} must have {bound} {count} properties.",
                })];
            case "pattern":
                var pattern = SchemaKeyword(schema, node, "pattern");
                return [new(instancePath, keyword, pattern is { ValueKind: JsonValueKind.String } p
                    ? $"{subject} does not match the pattern '{p.GetString()}'."
                    : $"{subject} does not match the pattern the schema requires.")];
            case "format":
                var format = Capture(s_formatText, text);
                return [new(instancePath, keyword, format is null
                    ? $"{subject} is not in the format the schema requires."
                    : $"{subject} is not a valid '{format}' value.")];
            case "uniqueItems":
                return [new(instancePath, keyword, $"{subject} must not contain duplicate items.")];
            case "contains":
            case "minContains":
            case "maxContains":
                return [new(instancePath, keyword, $"{subject} does not contain the number of matching items the schema requires ({keyword}).")];
            case "":
                // A false schema: a property or item the schema forbids.
                var owner = evaluationPath.Count > 0 ? evaluationPath[^1] : string.Empty;
                var rule = s_falseSchemaRules.Contains(owner) ? owner : "false";
                return [new(instancePath, rule, rule switch
                {
                    "additionalProperties" or "unevaluatedProperties" => $"{subject} is not allowed: the tool does not declare it.",
                    "false" => $"{subject} is not allowed by the schema.",
                    _ => $"{subject} is not allowed: the array accepts no further items.",
                })];
            default:
                return [Generic(instancePath, keyword, subject)];
        }
    }

    private static ToolArgumentViolation Generic(string path, string keyword, string subject) =>
        new(path, keyword, $"{subject} does not satisfy the schema rule '{keyword}'.");

    /// <summary>"Property 'address.zip'", "Item 'tags[0]'", "The name of property 'x'" or "The arguments".</summary>
    private static string Subject(JsonElement instance, string instancePath, IReadOnlyList<string> evaluationPath)
    {
        if (instancePath.Length == 0)
        {
            return "The arguments";
        }

        var display = Display(instance, instancePath);
        if (evaluationPath.Contains("propertyNames"))
        {
            return $"The name of property '{display}'";
        }

        return display.EndsWith(']') ? $"Item '{display}'" : $"Property '{display}'";
    }

    /// <summary>A JSON Pointer as a script author writes it: address.zip, tags[0].</summary>
    private static string Display(JsonElement instance, string pointer)
    {
        var text = new StringBuilder();
        var current = (JsonElement?)instance;
        foreach (var segment in Segments(pointer))
        {
            if (current is { ValueKind: JsonValueKind.Array } array)
            {
                text.Append('[').Append(segment).Append(']');
                current = int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.GetArrayLength()
                    ? array[index]
                    : null;
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(segment);
                current = current is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(segment, out var child) ? child : null;
            }
        }

        return text.ToString();
    }

    private static JsonElement? Resolve(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var segment in Segments(pointer))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array
                && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>The JSON Schema type name of a value: object, array, string, integer, number, boolean, null.</summary>
    private static string TypeName(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.Value.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "a value",
    };

    /// <summary>The value of <paramref name="keyword"/> in the subschema that produced <paramref name="node"/>, when it can be found.</summary>
    private static JsonElement? SchemaKeyword(CompiledSchema schema, EvaluationResults node, string keyword)
    {
        var location = node.SchemaLocation;
        if (location is not { IsAbsoluteUri: true }
            || !string.Equals(location.GetLeftPart(UriPartial.Query), schema.Schema.BaseUri.GetLeftPart(UriPartial.Query), StringComparison.Ordinal))
        {
            return null;
        }

        var subschema = SchemaAt(schema, Segments(Uri.UnescapeDataString(location.Fragment.TrimStart('#'))));
        return subschema is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty(keyword, out var value) ? value : null;
    }

    private static JsonElement? SchemaAt(CompiledSchema schema, IReadOnlyList<string> path) =>
        path.Contains("$ref") || path.Contains("$dynamicRef") || path.Contains("$recursiveRef")
            ? null
            : Resolve(schema.Root, Join(path));

    private static string? FirstKeyword(JsonElement subschema, params string[] keywords)
    {
        if (subschema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return keywords.FirstOrDefault(k => subschema.TryGetProperty(k, out _));
    }

    /// <summary>
    /// The outermost anyOf/oneOf/not/if/contains on an evaluation path, with the path of the schema that holds it:
    /// failures beneath it are alternatives or conditions, not violations.
    /// </summary>
    private static (string Owner, string Keyword)? FindBranch(IReadOnlyList<string> evaluationPath)
    {
        for (var i = 0; i < evaluationPath.Count; i++)
        {
            var segment = evaluationPath[i];
            if (segment is "anyOf" or "oneOf" or "not" or "if" or "contains")
            {
                return (Join(evaluationPath.Take(i)), segment);
            }

            if (s_namedChildKeywords.Contains(segment) || s_indexedChildKeywords.Contains(segment))
            {
                i++; // skip the property name or index that follows
            }
        }

        return null;
    }

    private static bool IsAtOrBelow(string path, string ancestor) =>
        path.Length == ancestor.Length
            ? string.Equals(path, ancestor, StringComparison.Ordinal)
            : path.Length > ancestor.Length && path.StartsWith(ancestor, StringComparison.Ordinal) && path[ancestor.Length] == '/';

    /// <summary>The decoded segments of a JSON Pointer ("" → none).</summary>
    private static List<string> Segments(string pointer)
    {
        var segments = new List<string>();
        if (pointer.Length == 0)
        {
            return segments;
        }

        foreach (var raw in pointer.TrimStart('/').Split('/'))
        {
            segments.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return segments;
    }

    private static string Join(IEnumerable<string> segments)
    {
        var text = new StringBuilder();
        foreach (var segment in segments)
        {
            text.Append('/').Append(EscapeSegment(segment));
        }

        return text.ToString();
    }

    private static string EscapeSegment(string segment) =>
        segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string? Capture(Regex regex, string text)
    {
        var match = regex.Match(text);
        return match.Success ? match.Groups["value"].Value : null;
    }

    /// <summary>The property names in a "required" message: a JSON array of strings taken from the schema.</summary>
    private static List<string>? ParseNames(string text)
    {
        var array = Capture(s_requiredText, text);
        if (array is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(array);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var names = document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.String)
                .Select(e => e.GetString()!)
                .ToList();
            return names.Count > 0 ? names : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ListValues(JsonElement values)
    {
        var items = values.EnumerateArray().Take(MaxListedValues + 1).Select(Quote).ToList();
        if (items.Count > MaxListedValues)
        {
            items[MaxListedValues] = "…";
        }

        return string.Join(", ", items);
    }

    private static string Quote(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? $"'{value.GetString()}'"
        : value.GetRawText();

    private sealed record CompiledSchema(JsonSchema Schema, JsonElement Root);
}
