using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>A tool's input schema as JsonSchema.Net built it, with the JSON it came from (for limits and names in messages).</summary>
internal sealed partial class ToolInputSchema(JsonSchema schema, JsonElement root)
{
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

    /// <summary>Whether a reference points outside the schema document (resolving it could mean a download).</summary>
    private static bool RefersOutside(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p =>
            (p.Name is "$ref" or "$dynamicRef" or "$recursiveRef" && p.Value.ValueKind == JsonValueKind.String && !p.Value.GetString()!.StartsWith('#'))
            || RefersOutside(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(RefersOutside),
        _ => false,
    };
}
