using System.Diagnostics;

namespace AgentGateway.CallPathBench;

/// <summary>
/// The timed calls of one scenario: each call's duration, the CPU time this process spent over them (all threads),
/// and the wall time from the first timed call's start to the last one's end.
/// </summary>
public sealed class TimedRun
{
    public TimedRun(double[] durationsMs, double cpuMs, double wallMs)
    {
        DurationsMs = durationsMs;
        CpuMs = cpuMs;
        WallMs = wallMs;
    }

    public IReadOnlyList<double> DurationsMs { get; }

    public double CpuMs { get; }

    public double WallMs { get; }

    /// <summary>The process's CPU time so far, in ms.</summary>
    public static double ProcessCpuMs()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }
}
