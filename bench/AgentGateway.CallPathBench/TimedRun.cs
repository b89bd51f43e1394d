using System.Diagnostics;

namespace AgentGateway.CallPathBench;

/// <summary>The timed calls of one scenario: each call's duration, and the CPU time this process spent over them (all threads).</summary>
public sealed class TimedRun
{
    public TimedRun(double[] durationsMs, double cpuMs)
    {
        DurationsMs = durationsMs;
        CpuMs = cpuMs;
    }

    public IReadOnlyList<double> DurationsMs { get; }

    public double CpuMs { get; }

    /// <summary>The process's CPU time so far, in ms.</summary>
    public static double ProcessCpuMs()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }
}
