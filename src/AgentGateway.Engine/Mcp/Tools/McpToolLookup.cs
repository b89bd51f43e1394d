namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// Finding a tool by name in listings: the one tool of that name, or the failure that says why not (no such tool,
/// with the closest names; or several servers have it, with their names). Pure: the listings are given.
/// </summary>
internal static class McpToolLookup
{
    /// <summary>How many "did you mean" names a failure offers at most.</summary>
    public const int MaxSuggestions = 3;

    /// <summary>
    /// The one tool named <paramref name="toolName"/> (exact, case-sensitive as MCP names are) among
    /// <paramref name="tools"/>; an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/>
    /// (with the closest names) when none has it, or <see cref="McpErrorKind.AmbiguousTool"/> (with the servers)
    /// when several do. <paramref name="where"/> says where was looked (for the message); <paramref name="unlisted"/>
    /// names servers that could not be listed, so their tools are unknown.
    /// </summary>
    public static McpToolInfo Single(IReadOnlyList<McpToolInfo> tools, string toolName, string where, IReadOnlyList<string>? unlisted = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        var matches = tools.Where(t => string.Equals(t.Name, toolName, StringComparison.Ordinal)).ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw McpGatewayException.ToolNotFound(toolName, where, ClosestNames(toolName, tools.Select(t => t.Name)), unlisted ?? []),
            _ => throw McpGatewayException.AmbiguousTool(toolName, matches.Select(Describe).ToArray()),
        };
    }

    /// <summary>
    /// An <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/> (with the closest names)
    /// when no tool of <paramref name="tools"/> is named <paramref name="toolName"/>, ignoring case (as a literal
    /// Get-McpTool -Name matches); nothing otherwise. <paramref name="scope"/> says where was looked.
    /// </summary>
    public static void ThrowIfNoneNamed(string toolName, IReadOnlyList<McpToolInfo> tools, string scope)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        if (!tools.Any(t => string.Equals(t.Name, toolName, StringComparison.OrdinalIgnoreCase)))
        {
            throw McpGatewayException.ToolNotFound(toolName, scope, ClosestNames(toolName, tools.Select(t => t.Name)), []);
        }
    }

    /// <summary>
    /// The names closest to <paramref name="name"/>, best first, at most <see cref="MaxSuggestions"/>: the same name
    /// in another case, names that contain it or that it contains, and names a few edits away (optimal string alignment:
    /// a swap of two adjacent letters is one edit; ignoring case, at most a third of the name's length, and at least 1).
    /// </summary>
    public static IReadOnlyList<string> ClosestNames(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        var wanted = name.ToLowerInvariant();
        var limit = Math.Max(1, wanted.Length / 3);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Score: Score(wanted, c.ToLowerInvariant(), limit)))
            .Where(c => c.Score is not null && c.Name != name)
            .OrderBy(c => c.Score)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(MaxSuggestions)
            .Select(c => c.Name)
            .ToArray();
    }

    /// <summary>Where a listed tool lives, for a message: its ORD id, else its endpoint.</summary>
    public static string Describe(McpToolInfo tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return tool.OrdId ?? tool.Url.ToString();
    }

    /// <summary>Lower is closer; null when not close. Case-only differences come first, then containment, then edits.</summary>
    private static int? Score(string wanted, string candidate, int limit)
    {
        if (wanted == candidate)
        {
            return 0;
        }

        if (wanted.Length >= 3 && (candidate.Contains(wanted, StringComparison.Ordinal) || wanted.Contains(candidate, StringComparison.Ordinal)))
        {
            return 1;
        }

        var distance = Distance(wanted, candidate, limit);
        return distance <= limit ? 1 + distance : null;
    }

    /// <summary>
    /// The optimal string alignment distance (Damerau-Levenshtein without edits inside a swapped pair: an insertion,
    /// deletion, substitution or swap of two adjacent characters each counts one), or more than
    /// <paramref name="limit"/> as soon as it must exceed it.
    /// </summary>
    internal static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        // Three rows: a swap at (i, j) reaches back to row i - 2.
        var beforePrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var best = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }

                best = Math.Min(best, current[j]);
            }

            // A row's minimum never falls in later rows (a swap from row i - 1 costs no less than the diagonal
            // through row i), so stopping here is exact.
            if (best > limit)
            {
                return limit + 1;
            }

            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }

        return previous[b.Length];
    }
}
