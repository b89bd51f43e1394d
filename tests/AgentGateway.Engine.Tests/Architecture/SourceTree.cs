namespace AgentGateway.Engine.Tests.Architecture;

/// <summary>The repository's source as the architecture tests read it: files, their folders and namespaces.</summary>
internal static class SourceTree
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string EngineRoot { get; } = Path.Combine(RepositoryRoot, "src", "AgentGateway.Engine");

    /// <summary>The engine's C# files (build output left out), by path relative to the engine folder with '/' separators.</summary>
    public static IReadOnlyList<string> EngineFiles() => CSharpFiles(EngineRoot);

    public static IReadOnlyList<string> CSharpFiles(string root) =>
        [.. Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>The folder of a relative file path ("" for the project's top folder).</summary>
    public static string FolderOf(string relativePath)
    {
        var slash = relativePath.LastIndexOf('/');
        return slash < 0 ? string.Empty : relativePath[..slash];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
