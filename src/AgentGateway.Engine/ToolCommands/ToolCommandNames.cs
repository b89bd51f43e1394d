using System.Globalization;
using System.Text;
using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// Command names for MCP tools: the tool name split into words (on <c>-</c>, <c>_</c>, <c>.</c>, any other
/// non-alphanumeric and camelCase), an approved verb when the first word is one and more words follow, else
/// Invoke and the whole name as the noun.
/// </summary>
internal static class ToolCommandNames
{
    /// <summary>The verb of a tool whose name does not start with an approved verb.</summary>
    public const string DefaultVerb = "Invoke";

    /// <summary>The words of a name: split on every non-letter-or-digit and at camelCase humps (getHTTPStatus → get, HTTP, Status).</summary>
    public static IReadOnlyList<string> SplitWords(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }

            if (word.Length > 0 && char.IsUpper(c))
            {
                var previous = name[i - 1];
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                // lower→Upper starts a word (firstName); so does the last capital of an acronym before a lower-case letter (HTTPServer).
                if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextIsLower))
                {
                    Flush();
                }
            }

            word.Append(c);
        }

        Flush();
        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }

    /// <summary>The words of a name, each with a capital first letter, joined: find-customer → FindCustomer.</summary>
    public static string Pascal(string name) => string.Concat(SplitWords(name).Select(Capitalize));

    /// <summary>The verb and noun of a tool: find-customer → (Find, Customer); echo → (Invoke, Echo); add → (Invoke, Add).</summary>
    public static (string Verb, string Noun) VerbAndNoun(string toolName, IEnumerable<string> approvedVerbs)
    {
        ArgumentNullException.ThrowIfNull(approvedVerbs);
        var words = SplitWords(toolName);
        if (words.Count > 1)
        {
            var verb = approvedVerbs.FirstOrDefault(v => string.Equals(v, words[0], StringComparison.OrdinalIgnoreCase));
            if (verb is not null)
            {
                return (verb, string.Concat(words.Skip(1).Select(Capitalize)));
            }
        }

        var noun = string.Concat(words.Select(Capitalize));
        return (DefaultVerb, noun.Length == 0 ? "Tool" : noun);
    }

    /// <summary>The prefix that tells a server's command from another's: sandbox-crm → SandboxCrm.</summary>
    public static string ServerPrefix(string serverName)
    {
        var prefix = Pascal(serverName);
        return prefix.Length == 0 ? "Server" : prefix;
    }

    /// <summary>
    /// Names a command for every tool. A tool keeps <c>Verb-&lt;Prefix&gt;Noun</c> unless another tool of a different
    /// endpoint maps to the same name or <paramref name="isTaken"/> says the name is an existing command; then its noun
    /// gains the server-derived prefix (<c>Invoke-&lt;Prefix&gt;SandboxCrmPing</c>), and a number when even that is taken.
    /// The outcome depends on the set of tools, not on their order.
    /// </summary>
    public static IReadOnlyList<ToolCommandName> Assign(
        IReadOnlyList<McpToolInfo> tools, string? prefix, IEnumerable<string> approvedVerbs, Func<string, bool> isTaken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(isTaken);
        var verbs = approvedVerbs.ToArray();
        var userPrefix = prefix is null ? string.Empty : Pascal(prefix);
        var plain = tools.Select(t =>
        {
            var (verb, noun) = VerbAndNoun(t.Name, verbs);
            return (Verb: verb, Noun: noun, Name: $"{verb}-{userPrefix}{noun}");
        }).ToArray();

        // For each plain name, the first tool that has it and the first of another endpoint: a tool's twin is the first
        // tool of another endpoint with its name, found without comparing every pair (a listing may have thousands).
        var byName = new Dictionary<string, (int First, int Other)>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tools.Count; i++)
        {
            if (!byName.TryGetValue(plain[i].Name, out var seen))
            {
                byName[plain[i].Name] = (i, -1);
            }
            else if (seen.Other < 0 && tools[i].Url != tools[seen.First].Url)
            {
                byName[plain[i].Name] = (seen.First, i);
            }
        }

        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var nextNumber = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var result = new ToolCommandName[tools.Count];
        for (var i = 0; i < tools.Count; i++)
        {
            var (verb, noun, name) = plain[i];
            var (first, other) = byName[name];
            var twin = tools[first].Url != tools[i].Url ? first : other;
            string? reason = null;
            if (twin >= 0)
            {
                reason = $"tool '{tools[twin].Name}' of server '{tools[twin].ServerName}' would have the same name";
            }
            else if (isTaken(name))
            {
                reason = $"{name} is an existing command";
            }

            if (reason is not null)
            {
                var stem = $"{verb}-{userPrefix}{ServerPrefix(tools[i].ServerName)}{noun}";
                var candidate = Unused(stem, used, nextNumber, isTaken);
                result[i] = new ToolCommandName(verb, candidate[(verb.Length + 1)..], name, reason);
            }
            else
            {
                var candidate = Unused(name, used, nextNumber, isTaken);
                result[i] = new ToolCommandName(verb, candidate[(verb.Length + 1)..], name, candidate == name ? null : $"{name} is used by another tool of this server");
            }

            used.Add(result[i].Name);
        }

        return result;
    }

    /// <summary><paramref name="stem"/>, else the stem with the lowest number from 2 on that is neither used nor taken (remembered per stem, so n tools of one name cost n lookups, not n²).</summary>
    private static string Unused(string stem, HashSet<string> used, Dictionary<string, int> nextNumber, Func<string, bool> isTaken)
    {
        if (!used.Contains(stem) && !isTaken(stem))
        {
            return stem;
        }

        var n = nextNumber.GetValueOrDefault(stem, 2);
        var candidate = string.Create(CultureInfo.InvariantCulture, $"{stem}{n}");
        while (used.Contains(candidate) || isTaken(candidate))
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{stem}{++n}");
        }

        nextNumber[stem] = n + 1;
        return candidate;
    }

    internal static string Capitalize(string word) =>
        word.Length == 0 ? word : string.Concat(char.ToUpperInvariant(word[0]).ToString(), word[1..]);
}

/// <summary>The command name a tool gets, and why it differs from the plain one when it does.</summary>
/// <param name="Verb">An approved verb.</param>
/// <param name="Noun">The noun, with the -Prefix and, after a collision, the server-derived prefix.</param>
/// <param name="PlainName">The name the tool would have had without a collision.</param>
/// <param name="RenamedBecause">Why the name is not <paramref name="PlainName"/>, or null.</param>
internal sealed record ToolCommandName(string Verb, string Noun, string PlainName, string? RenamedBecause)
{
    public string Name => $"{Verb}-{Noun}";
}
