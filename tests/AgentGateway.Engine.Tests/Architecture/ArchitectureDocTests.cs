using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Tests.Architecture;

/// <summary>
/// docs/architecture.md is a map that holds: its statics table names every static field of the module's code (and
/// nothing that is gone), and its table of the engine's folders names every folder of the engine (and no other).
/// </summary>
public sealed partial class ArchitectureDocTests
{
    private static readonly string s_doc = File.ReadAllText(Path.Combine(SourceTree.RepositoryRoot, "docs", "architecture.md"));

    [Fact]
    public void The_statics_table_names_every_static_field_and_no_other()
    {
        var table = Section(s_doc, "What is static, every one of it", "\n\n  Nothing");
        var listed = Backticked().Matches(table).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var inCode = new List<(string File, string Name)>();
        foreach (var project in new[] { "AgentGateway.Engine", "AgentGateway" })
        {
            var root = Path.Combine(SourceTree.RepositoryRoot, "src", project);
            foreach (var file in SourceTree.CSharpFiles(root))
            {
                inCode.AddRange(StaticField().Matches(File.ReadAllText(Path.Combine(root, file))).Select(m => ($"{project}/{file}", m.Groups["name"].Value)));
            }
        }

        Assert.Contains(inCode, f => f.Name == "s_liveCount");

        // A name, or a prefix written with a star (`s_inPlace*`).
        bool Listed(string name) => listed.Contains(name) || listed.Any(n => n.EndsWith('*') && name.StartsWith(n[..^1], StringComparison.Ordinal));
        var missing = inCode.Where(f => !Listed(f.Name)).Select(f => $"{f.File}: {f.Name}").ToArray();
        Assert.True(missing.Length == 0, "Statics missing from docs/architecture.md's table:\n" + string.Join("\n", missing));
        var gone = listed.Where(n => n.StartsWith("s_", StringComparison.Ordinal))
            .Where(n => !inCode.Any(f => n.EndsWith('*') ? f.Name.StartsWith(n[..^1], StringComparison.Ordinal) : f.Name == n)).ToArray();
        Assert.True(gone.Length == 0, "Statics in docs/architecture.md's table that the code no longer has: " + string.Join(", ", gone));
    }

    [Fact]
    public void The_folder_table_names_every_engine_folder_and_no_other()
    {
        var table = Section(s_doc, "## The engine, by folder", "\n\n");
        var listed = FolderCell().Matches(table).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var folders = SourceTree.EngineFiles().Select(SourceTree.FolderOf).Where(f => f.Length > 0).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("Mcp/Transport", folders);
        Assert.True(folders.SetEquals(listed),
            $"docs/architecture.md lists {string.Join(", ", listed.Except(folders).DefaultIfEmpty("nothing"))} that the engine lacks, and lacks {string.Join(", ", folders.Except(listed).DefaultIfEmpty("nothing"))}.");
    }

    private static string Section(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"docs/architecture.md has no '{start}'.");
        var to = text.IndexOf(end, from + start.Length + 1, StringComparison.Ordinal);
        return to < 0 ? text[from..] : text[from..to];
    }

    /// <summary>A static field (not a property, a method, a constant or a type): <c>static [readonly] Type name =</c> or <c>;</c>.</summary>
    [GeneratedRegex(@"(?m)^\s*(?:(?:private|internal|public|protected)\s+)?static\s+(?:readonly\s+)?(?!class\b|partial\b|async\b|extern\b)[\w<>\[\],.? ]+?\s(?<name>\w+)\s*(?:=(?!>)|;)")]
    private static partial Regex StaticField();

    [GeneratedRegex(@"`([\w.]+\*?)`")]
    private static partial Regex Backticked();

    /// <summary>The first cell of a row of the folder table: <c>| `Mcp/Transport/` |</c>.</summary>
    [GeneratedRegex(@"(?m)^\| `([\w/]+)/` \|")]
    private static partial Regex FolderCell();
}
