using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Tests.Architecture;

/// <summary>
/// The engine's folders depend on each other without loops: a folder that reaches another (a <c>using</c>, a fully
/// qualified <c>AgentGateway.Engine.X</c> name, or a type of an enclosing folder's namespace, which needs no
/// <c>using</c>) is never reached back by it, directly or through others. Read from the source files.
/// </summary>
public sealed partial class EngineLayeringTests
{
    [Fact]
    public void No_engine_folder_depends_on_itself_through_others()
    {
        var graph = EngineFolderGraph();
        Assert.Contains("Mcp/Transport", graph.Keys);
        Assert.Contains("Tokens", graph["Mcp/Transport"].Keys);

        var loops = Cycles(graph.ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)g.Value.Keys));
        Assert.True(loops.Count == 0, "Import loops between engine folders (each folder reaches the others of its group):\n" + string.Join("\n", loops.Select(loop =>
            string.Join(", ", loop) + "\n  " + string.Join("\n  ",
                from a in loop
                from b in loop
                where graph[a].ContainsKey(b)
                select $"{a} -> {b}: {string.Join("; ", graph[a][b].Take(4))}"))));
    }

    [Fact]
    public void The_cycle_finder_finds_a_loop_through_three_folders_and_none_in_a_chain()
    {
        var loop = Cycles(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        });
        Assert.Equal(["A", "B", "C"], Assert.Single(loop).Order());
        Assert.Empty(Cycles(new Dictionary<string, IReadOnlyCollection<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = [] }));
    }

    [Fact]
    public void The_MCP_layer_asks_tokens_of_the_token_source_interface_not_the_provider()
    {
        var offenders = SourceTree.EngineFiles()
            .Where(f => f.StartsWith("Mcp/", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(Code(File.ReadAllText(Path.Combine(SourceTree.EngineRoot, f))), @"\bTokenProvider\b"))
            .ToArray();
        Assert.Empty(offenders);
    }

    /// <summary>Folder -> the folders it depends on, each with the evidence (file: what).</summary>
    internal static Dictionary<string, Dictionary<string, List<string>>> EngineFolderGraph()
    {
        var files = SourceTree.EngineFiles();
        var folders = files.Select(SourceTree.FolderOf).Where(f => f.Length > 0).ToHashSet(StringComparer.Ordinal);
        var text = files.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(SourceTree.EngineRoot, f)));

        // The types declared in each folder, for references to an enclosing namespace (which need no using).
        var declared = files
            .SelectMany(f => Declaration().Matches(text[f]).Select(m => (Type: m.Groups["name"].Value, Folder: SourceTree.FolderOf(f))))
            .GroupBy(d => d.Type)
            .ToDictionary(g => g.Key, g => g.First().Folder, StringComparer.Ordinal);

        var graph = folders.ToDictionary(f => f, _ => new Dictionary<string, List<string>>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var file in files)
        {
            var from = SourceTree.FolderOf(file);
            if (from.Length == 0)
            {
                continue;
            }

            var code = Code(text[file]);
            foreach (Match m in EngineName().Matches(code))
            {
                var to = LongestFolder(m.Groups["path"].Value.Replace('.', '/'), folders);
                Add(from, to, $"{file}: {m.Value.Trim()}");
            }

            foreach (Match m in Word().Matches(code))
            {
                if (declared.TryGetValue(m.Value, out var to) && to.Length > 0 && from.StartsWith(to + "/", StringComparison.Ordinal))
                {
                    Add(from, to, $"{file}: {m.Value}");
                }
            }
        }

        return graph;

        void Add(string from, string? to, string evidence)
        {
            if (to is not null && to != from)
            {
                var edge = graph[from].TryGetValue(to, out var list) ? list : graph[from][to] = [];
                if (!edge.Contains(evidence))
                {
                    edge.Add(evidence);
                }
            }
        }
    }

    /// <summary>Every loop of the graph (its strongly connected parts of more than one folder).</summary>
    internal static List<List<string>> Cycles(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var loops = new List<List<string>>();
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return loops;

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges : [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var part = new List<string>();
                string top;
                do
                {
                    top = stack.Pop();
                    part.Add(top);
                }
                while (top != node);
                if (part.Count > 1)
                {
                    part.Reverse();
                    loops.Add(part);
                }
            }
        }
    }

    private static string? LongestFolder(string path, HashSet<string> folders)
    {
        for (var candidate = path; candidate.Length > 0; candidate = candidate.Contains('/') ? candidate[..candidate.LastIndexOf('/')] : string.Empty)
        {
            if (folders.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The code of a file without its comments (doc comments included) and string literals.</summary>
    private static string Code(string source) => Comment().Replace(StringLiteral().Replace(source, "\"\""), string.Empty);

    [GeneratedRegex(@"(?m)^(?:(?:public|internal|file|sealed|static|abstract|partial|readonly|record|ref)\s+)*(?:class|record|struct|interface|enum)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\bAgentGateway\.Engine\.(?<path>[A-Z]\w*(?:\.[A-Z]\w*)*)")]
    private static partial Regex EngineName();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Word();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"@?\$*""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
