using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// The ambient log of the call in progress. A cmdlet sets a sink for the duration of its engine
/// work (<see cref="Use"/>); engine code anywhere below writes to it without passing it around.
/// Messages carry fingerprints, never tokens, JWTs, keys or certificates.
/// Work that outlives the call (a background refresh) must start under
/// <c>ExecutionContext.SuppressFlow()</c> so it does not write to a finished cmdlet.
/// </summary>
/// <remarks>
/// A message is an interpolated string, formatted only when someone listens: the handler
/// (<see cref="CallLogMessage{TLevel}"/>) asks the sink whether it shows the level before any hole is evaluated, so
/// with no sink, or one that shows only verbose, a debug line costs nothing. There is no overload that takes a string
/// built beforehand.
/// </remarks>
internal static class CallLog
{
    private static readonly Ambient<ICallLogSink> s_current = new();

    public static ICallLogSink? Current => s_current.Current;

    /// <summary>Sets the sink for the current async flow until the returned scope is disposed.</summary>
    public static IDisposable Use(ICallLogSink? sink) => s_current.Use(sink);

    /// <summary>A verbose line to the current flow's sink, formatted only if it shows verbose lines.</summary>
    internal static void Verbose(ref CallLogMessage<VerboseLevel> message) => message.Send();

    /// <summary>A verbose line, its holes formatted with <paramref name="provider"/>.</summary>
    [SuppressMessage("Style", "IDE0060:Remove unused parameter", Justification = "Read by the interpolated string handler.")]
    internal static void Verbose(IFormatProvider? provider, [InterpolatedStringHandlerArgument(nameof(provider))] ref CallLogMessage<VerboseLevel> message) => message.Send();

    /// <summary>A verbose line to <paramref name="sink"/> (not the ambient one), formatted only if it shows verbose lines.</summary>
    [SuppressMessage("Style", "IDE0060:Remove unused parameter", Justification = "Read by the interpolated string handler.")]
    internal static void Verbose(ICallLogSink? sink, [InterpolatedStringHandlerArgument(nameof(sink))] ref CallLogMessage<VerboseLevel> message) => message.Send();

    /// <summary>A debug line to the current flow's sink, formatted only if it shows debug lines.</summary>
    internal static void Debug(ref CallLogMessage<DebugLevel> message) => message.Send();

    /// <summary>A debug line, its holes formatted with <paramref name="provider"/>.</summary>
    [SuppressMessage("Style", "IDE0060:Remove unused parameter", Justification = "Read by the interpolated string handler.")]
    internal static void Debug(IFormatProvider? provider, [InterpolatedStringHandlerArgument(nameof(provider))] ref CallLogMessage<DebugLevel> message) => message.Send();
}
