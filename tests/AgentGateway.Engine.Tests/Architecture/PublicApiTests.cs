namespace AgentGateway.Engine.Tests.Architecture;

/// <summary>
/// The public API of both assemblies is pinned in a checked-in text file (tests/AgentGateway.Engine.Tests/
/// Architecture/PublicApi.*.txt): a change to it fails here until the file is updated, so it is a visible diff.
/// With AGW_UPDATE_PUBLIC_API=1 the test writes the files instead.
/// </summary>
public sealed class PublicApiTests
{
    [Theory]
    [InlineData("AgentGateway.Engine")]
    [InlineData("AgentGateway")]
    public void The_public_API_is_the_one_pinned(string assembly)
    {
        var path = AssemblyPath(assembly);
        var actual = PublicApi.Read(path);
        Assert.NotEmpty(actual);
        var pinned = Path.Combine(SourceTree.RepositoryRoot, "tests", "AgentGateway.Engine.Tests", "Architecture", $"PublicApi.{assembly}.txt");
        if (Environment.GetEnvironmentVariable("AGW_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllLines(pinned, actual);
        }

        var expected = File.ReadAllLines(pinned);
        var added = actual.Except(expected, StringComparer.Ordinal).ToArray();
        var removed = expected.Except(actual, StringComparer.Ordinal).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"The public API of {assembly} changed (update {Path.GetFileName(pinned)} if it is meant to):\n" +
            string.Join("\n", added.Select(a => "+ " + a).Concat(removed.Select(r => "- " + r))));
    }

    private static string AssemblyPath(string assembly)
    {
        // The engine is beside the tests; the cmdlet assembly is built by its project (a build-order reference of this one).
        var beside = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var built = Path.Combine(SourceTree.RepositoryRoot, "src", assembly, "bin", configuration, "net10.0", assembly + ".dll");
        Assert.True(File.Exists(built), $"{built} was not built.");
        return built;
    }
}
