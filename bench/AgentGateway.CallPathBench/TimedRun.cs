using System.Diagnostics;
using System.Runtime;

namespace AgentGateway.CallPathBench;

/// <summary>
/// The timed calls of one scenario: each call's duration, and over them (from a <see cref="Mark"/> taken before the
/// first) the wall time, the CPU time of this process (all threads) and what the JIT compiled meanwhile (all threads:
/// tiering of hot methods goes on in the background for a long time after start, and is part of the CPU time).
/// </summary>
public sealed class TimedRun
{
    public TimedRun(double[] durationsMs, Mark started)
    {
        ArgumentNullException.ThrowIfNull(started);
        DurationsMs = durationsMs;
        var now = Mark.Take();
        WallMs = Stopwatch.GetElapsedTime(started.Timestamp, now.Timestamp).TotalMilliseconds;
        CpuMs = now.CpuMs - started.CpuMs;
        JitMs = (now.JitTime - started.JitTime).TotalMilliseconds;
        MethodsJitted = now.MethodsJitted - started.MethodsJitted;
    }

    public IReadOnlyList<double> DurationsMs { get; }

    public double CpuMs { get; }

    public double WallMs { get; }

    /// <summary>Time the JIT spent compiling (all threads) over the run.</summary>
    public double JitMs { get; }

    /// <summary>Methods the JIT compiled (or recompiled at a higher tier) over the run.</summary>
    public long MethodsJitted { get; }

    /// <summary>The process's CPU time so far, in ms.</summary>
    public static double ProcessCpuMs()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>Where a run starts: a timestamp, the process's CPU time, the JIT's compile time and count.</summary>
    public sealed record Mark(long Timestamp, double CpuMs, TimeSpan JitTime, long MethodsJitted)
    {
        public static Mark Take() =>
            new(Stopwatch.GetTimestamp(), ProcessCpuMs(), JitInfo.GetCompilationTime(currentThread: false), JitInfo.GetCompiledMethodCount(currentThread: false));
    }
}
