using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// The ambient log of the call in progress. A cmdlet sets a sink for the duration of its engine
/// work (<see cref="Use"/>); engine code anywhere below writes to it without passing it around.
/// Messages carry fingerprints, never tokens, JWTs, keys or certificates.
/// Work that outlives the call (a background refresh) must start under
/// <c>ExecutionContext.SuppressFlow()</c> so it does not write to a finished cmdlet.
/// </summary>
internal static class CallLog
{
    private static readonly Ambient<ICallLogSink> s_current = new();

    public static ICallLogSink? Current => s_current.Current;

    /// <summary>Sets the sink for the current async flow until the returned scope is disposed.</summary>
    public static IDisposable Use(ICallLogSink? sink) => s_current.Use(sink);

    public static void Verbose(string message) => s_current.Current?.Verbose(message);

    public static void Debug(string message) => s_current.Current?.Debug(message);
}
