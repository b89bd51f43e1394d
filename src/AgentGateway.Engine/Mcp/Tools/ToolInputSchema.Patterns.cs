using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The schema's patterns tried before the library evaluates the arguments: found in the document as the library reads
/// them, each tried on the strings it could apply to within half of the time limit.
/// </summary>
internal sealed partial class ToolInputSchema
{
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
}
