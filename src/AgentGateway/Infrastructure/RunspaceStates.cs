using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using AgentGateway.Engine.Configuration;
using RunspaceState = AgentGateway.Engine.Runspace.RunspaceState;

namespace AgentGateway.Infrastructure;

/// <summary>
/// One <see cref="RunspaceState"/> per runspace, made on first use and disposed when the runspace
/// closes or breaks. The table holds runspaces weakly, so it never keeps one alive.
/// </summary>
internal static class RunspaceStates
{
    private static readonly ConditionalWeakTable<Runspace, RunspaceState> s_states = [];
    private static readonly Lock s_gate = new();

    /// <summary>The session of the runspace this thread runs (the pipeline thread of a cmdlet).</summary>
    public static RunspaceState Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("AgentGateway cmdlets must run in a PowerShell runspace.");
            return For(runspace);
        }
    }

    /// <summary>
    /// Whether the runspace this thread runs has the default config (no session yet counts as default); false outside
    /// a runspace. An error there may come from a config set in another runspace only (ErrorRecords says so).
    /// </summary>
    public static bool CurrentConfigIsDefault =>
        Runspace.DefaultRunspace is { } runspace &&
        (!s_states.TryGetValue(runspace, out var session) || session.Config == ClientConfig.Default);

    public static RunspaceState For(Runspace runspace)
    {
        if (s_states.TryGetValue(runspace, out var existing))
        {
            return existing;
        }

        lock (s_gate)
        {
            if (!s_states.TryGetValue(runspace, out var session))
            {
                session = new RunspaceState();
                s_states.Add(runspace, session);
                runspace.StateChanged += OnStateChanged;
            }

            return session;
        }
    }

    private static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace)
        {
            return;
        }

        var state = e.RunspaceStateInfo.State;
        if (state is System.Management.Automation.Runspaces.RunspaceState.Closed or System.Management.Automation.Runspaces.RunspaceState.Broken)
        {
            runspace.StateChanged -= OnStateChanged;
            RunspaceState? session;
            lock (s_gate)
            {
                if (s_states.TryGetValue(runspace, out session))
                {
                    s_states.Remove(runspace);
                }
            }

            session?.Dispose();
        }
    }
}
