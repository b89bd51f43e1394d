using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using AgentGateway.Engine.Sessions;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Connects the cmdlet assembly (loaded by PowerShell into the default load context) to the engine in
/// the module's private <see cref="AgwLoadContext"/>. AgentGateway.dll references no third-party
/// assembly but the engine, so answering that one name is enough: every type the engine uses then
/// resolves inside the private context. The hook is the module's only global side effect, and
/// <see cref="OnRemove"/> takes it off again.
/// </summary>
public sealed class ModuleAssemblyInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "AgentGateway.Engine";
    private static readonly Lock s_gate = new();
    private static bool s_hooked;

    /// <summary>Called by PowerShell on every Import-Module (each runspace, each -Force), before any cmdlet runs.</summary>
    public void OnImport()
    {
        lock (s_gate)
        {
            if (!s_hooked)
            {
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
                s_hooked = true;
            }
        }

        // Bind AgentGateway.dll's reference to the engine now, while the hook is certainly on: the
        // runtime keeps that binding for the life of the process, so a Remove-Module in another
        // runspace (which unhooks) can never leave this one with an engine it cannot find.
        BindEngine();
    }

    /// <summary>Called by PowerShell on Remove-Module (and on Import-Module -Force, before OnImport).</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (s_gate)
        {
            if (s_hooked)
            {
                AssemblyLoadContext.Default.Resolving -= ResolveEngine;
                s_hooked = false;
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

    // Kept out of OnImport so that the JIT resolves the engine only when this runs, after the hook is on.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BindEngine() => GC.KeepAlive(typeof(AgwSession));
}
