using System.Reflection;
using System.Runtime.Loader;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The module's private load context: the engine and every third-party assembly it uses load here,
/// from the <c>dependencies</c> folder beside AgentGateway.dll, so that another version of one of them
/// already loaded in the process (by PowerShell itself, as JsonSchema.Net for Test-Json, or by another
/// module) neither breaks the module nor is broken by it. Non-collectible: PowerShell cannot unload the
/// cmdlet assembly that references the engine, so neither can the engine be unloaded.
/// </summary>
internal sealed class AgwLoadContext : AssemblyLoadContext
{
    /// <summary>The folder, beside AgentGateway.dll, that build.ps1 fills with the engine and its dependencies.</summary>
    internal const string DependencyFolderName = "dependencies";

    private readonly string _dependencyDirectory;

    private AgwLoadContext(string dependencyDirectory)
        : base("AgentGateway", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    /// <summary>One context per process: a second would load a second engine, with its own static state.</summary>
    internal static AgwLoadContext Instance { get; } = new(Path.Combine(
        Path.GetDirectoryName(typeof(AgwLoadContext).Assembly.Location) ?? AppContext.BaseDirectory,
        DependencyFolderName));

    /// <summary>
    /// An assembly that <c>dependencies/</c> holds loads from there; anything else (the framework,
    /// System.Management.Automation) returns null and so falls back to the default context, which is
    /// what keeps PowerShell's and the runtime's types the same types on both sides.
    /// </summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = PathOf(assemblyName);
        return path is not null && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    private string? PathOf(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;

        // A simple name is never a path: anything that would leave the folder is not ours to load.
        if (string.IsNullOrEmpty(name) || name != Path.GetFileName(name) || name is "." or "..")
        {
            return null;
        }

        // Satellite resource assemblies sit in a folder named after their culture, as dotnet publish lays them out.
        var culture = assemblyName.CultureName;
        return string.IsNullOrEmpty(culture)
            ? Path.Combine(_dependencyDirectory, name + ".dll")
            : Path.Combine(_dependencyDirectory, culture, name + ".dll");
    }
}
