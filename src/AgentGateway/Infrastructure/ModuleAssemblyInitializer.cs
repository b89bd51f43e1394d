using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Connects the cmdlet assembly (loaded by PowerShell into the default load context) to the engine in
/// the module's private <see cref="AgwLoadContext"/>. AgentGateway.dll references no third-party
/// assembly but the engine, so answering that one name is enough: every type the engine uses then
/// resolves inside the private context. The hook is the module's only global side effect: it is on
/// while any runspace has the module imported, and the last Remove-Module takes it off again.
/// </summary>
/// <remarks>
/// Nothing here touches an engine type: the engine loads on first use (the first cmdlet, completer or
/// reflection over a type that needs it), through the hook, not at Import-Module. Counting the imports
/// keeps the hook on for a runspace whose module has not used the engine yet while another runspace
/// removes its own import; once bound, AgentGateway.dll's reference to the engine stays bound for the
/// life of the process. A runspace closed without Remove-Module leaves its count behind, so the hook
/// then stays on (it answers only the engine's name).
/// </remarks>
public sealed class ModuleAssemblyInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "AgentGateway.Engine";
    private static readonly Lock s_gate = new();
    private static int s_imports;

    /// <summary>Called by PowerShell on every Import-Module (each runspace, each -Force), before any cmdlet runs.</summary>
    public void OnImport()
    {
        lock (s_gate)
        {
            if (s_imports++ == 0)
            {
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
            }
        }
    }

    /// <summary>Called by PowerShell on Remove-Module (and on Import-Module -Force, before OnImport).</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (s_gate)
        {
            if (s_imports > 0 && --s_imports == 0)
            {
                AssemblyLoadContext.Default.Resolving -= ResolveEngine;
            }
        }
    }

    /// <summary>
    /// Answers the default context's request for the engine, and nothing else: any other name returns
    /// null, so the hook never changes how the process resolves assemblies that are not the module's.
    /// </summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return AgwLoadContext.Instance.LoadFromAssemblyName(name);
        }
        catch (FileNotFoundException)
        {
            // No dependencies/AgentGateway.Engine.dll (a broken install): null lets the runtime report
            // the engine as not found, the error a user can act on, rather than an error from this hook.
            return null;
        }
    }
}
