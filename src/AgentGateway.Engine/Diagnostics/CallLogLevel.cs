namespace AgentGateway.Engine.Diagnostics;

/// <summary>The streams of the call log: verbose (what happened, for -Verbose) and debug (each HTTP exchange, for -Debug).</summary>
public enum CallLogLevel
{
    Verbose,
    Debug,
}
