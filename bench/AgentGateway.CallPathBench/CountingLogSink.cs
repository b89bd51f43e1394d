using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.CallPathBench;

/// <summary>
/// A call-log sink that counts and drops the engine's verbose and debug messages: what the engine does
/// when a cmdlet has attached its sink, minus the cmdlet's posting of each message to the pipeline thread.
/// </summary>
public sealed class CountingLogSink : ICallLogSink
{
    private long _verbose;
    private long _debug;

    public long VerboseMessages => Interlocked.Read(ref _verbose);

    public long DebugMessages => Interlocked.Read(ref _debug);

    public void Verbose(string message) => Interlocked.Increment(ref _verbose);

    public void Debug(string message) => Interlocked.Increment(ref _debug);
}
