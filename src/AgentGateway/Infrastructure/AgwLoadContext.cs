using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The module's private load context: the engine and every third-party assembly it uses load here,
/// from the <c>dependencies</c> folder beside AgentGateway.dll, so that another version of one of them
/// already loaded in the process (by PowerShell itself, as JsonSchema.Net for Test-Json, or by another
/// module) neither breaks the module nor is broken by it. Non-collectible: PowerShell cannot unload the
/// cmdlet assembly that references the engine, so neither can the engine be unloaded.
/// </summary>
/// <remarks>
/// <c>dependencies/</c> holds every dll as portable IL; <c>dependencies/&lt;platform&gt;/</c> (linux-x64,
/// win-x64, ...) the same dlls compiled ahead of time (ReadyToRun) for one platform, where the package
/// has them. A ReadyToRun image of another platform does not load at all (BadImageFormatException), so the
/// folder is chosen by the platform this process runs on, and the IL copy is used for a platform without
/// a folder, for a dll its folder lacks, and for a precompiled copy that does not load.
/// </remarks>
internal sealed class AgwLoadContext : AssemblyLoadContext
{
    /// <summary>The folder, beside AgentGateway.dll, that build.ps1 fills with the engine and its dependencies.</summary>
    internal const string DependencyFolderName = "dependencies";

    private readonly string _dependencyDirectory;
    private readonly string? _platformDirectory;

    private AgwLoadContext(string dependencyDirectory, string? platform)
        : base("AgentGateway", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
        _platformDirectory = platform is null ? null : Path.Combine(dependencyDirectory, platform);
    }

    /// <summary>One context per process: a second would load a second engine, with its own static state.</summary>
    internal static AgwLoadContext Instance { get; } = new(
        Path.Combine(Path.GetDirectoryName(typeof(AgwLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, DependencyFolderName),
        PlatformFolderName(RuntimeInformation.RuntimeIdentifier, RuntimeInformation.ProcessArchitecture));

    /// <summary>
    /// The name of the precompiled folder for a process (build.ps1 names the folders alike): os-arch for
    /// Windows, macOS and glibc Linux on x64 or arm64; null (the IL copies) for anything else, musl Linux
    /// included.
    /// </summary>
    internal static string? PlatformFolderName(string runtimeIdentifier, Architecture architecture)
    {
        var os = OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : OperatingSystem.IsLinux() && !runtimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase) ? "linux"
            : null;
        var arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            _ => null,
        };
        return os is null || arch is null ? null : $"{os}-{arch}";
    }

    /// <summary>
    /// An assembly that <c>dependencies/</c> holds loads from there (its precompiled copy for this platform
    /// first); anything else (the framework, System.Management.Automation) returns null and so falls back to
    /// the default context, which is what keeps PowerShell's and the runtime's types the same types on both sides.
    /// </summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var fileName = FileNameOf(assemblyName);
        if (fileName is null)
        {
            return null;
        }

        if (_platformDirectory is not null && File.Exists(Path.Combine(_platformDirectory, fileName)))
        {
            try
            {
                return LoadFromAssemblyPath(Path.Combine(_platformDirectory, fileName));
            }
            catch (BadImageFormatException)
            {
                // Not an image this runtime loads (a wrong or damaged copy): the IL copy below still runs.
            }
        }

        var path = Path.Combine(_dependencyDirectory, fileName);
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>The dll's path relative to a dependency folder, or null for a name that is not ours to load.</summary>
    private static string? FileNameOf(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;

        // A simple name is never a path: anything that would leave the folder is not ours to load.
        if (string.IsNullOrEmpty(name) || name != Path.GetFileName(name) || name is "." or "..")
        {
            return null;
        }

        // Satellite resource assemblies sit in a folder named after their culture, as dotnet publish lays them out.
        var culture = assemblyName.CultureName;
        return string.IsNullOrEmpty(culture) ? name + ".dll" : Path.Combine(culture, name + ".dll");
    }
}
