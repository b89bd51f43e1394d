using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Loggers;

namespace AgentGateway.Benchmarks;

/// <summary>
/// The config every run gets (command-line options such as <c>--job short</c> add to it): the default
/// columns, analysers and validators; GitHub Markdown and brief JSON reports only (the full JSON's raw measurements are ~800 KB a run); artifacts under
/// <c>bench/results/engine</c> of the repository, wherever the host was started from.
/// </summary>
internal static class BenchConfig
{
    public static IConfig Create() =>
        ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddLogger(ConsoleLogger.Default)
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddExporter(MarkdownExporter.GitHub, JsonExporter.Brief)
            .WithArtifactsPath(Path.Combine(RepositoryRoot(), "bench", "results", "engine"));

    /// <summary>The folder holding AgentGateway.sln, found upwards from the working directory or the binaries.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AgentGateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find AgentGateway.sln above the working directory or the benchmark binaries; run from inside the repository.");
    }
}
