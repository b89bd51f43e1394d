using System.Collections.Concurrent;
using System.Diagnostics;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Sessions;

namespace AgentGateway.CallPathBench;

/// <summary>
/// (a‴) The engine call of (a′) run the way the cmdlets run engine work (AgwCmdlet.RunOnPipeline): the
/// work on the thread pool via Task.Run with a call-log sink that posts every message to a
/// BlockingCollection, and the calling thread pumping that collection until the work ends. Synchronous:
/// call it from the PowerShell pipeline thread. Separates the cost of this wait from PowerShell's own.
/// </summary>
public static class PipelinePumpScenario
{
    public static TimedRun Run(BenchTarget target, int calls)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        using var session = new AgwSession();
        session.UpdateConfig(c => c.With(trustedCaPath: target.TrustedCaPath));
        CallThroughPump(session, target.OrdId);   // warm-up, untimed
        var durations = new double[calls];
        var cpuBefore = TimedRun.ProcessCpuMs();
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            CallThroughPump(session, target.OrdId);
            durations[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return new TimedRun(durations, TimedRun.ProcessCpuMs() - cpuBefore);
    }

    private static void CallThroughPump(AgwSession session, string ordId)
    {
        using var work = new BlockingCollection<Action>();
        var sink = new PostingSink(work);
        var task = Task.Run(async () =>
        {
            using (CallLog.Use(sink))
            {
                await Scenarios.CallThroughSessionAsync(session, ordId).ConfigureAwait(false);
            }
        });
        _ = task.ContinueWith(static (_, state) => ((BlockingCollection<Action>)state!).Add(static () => { }), work, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            if (work.TryTake(out var action, Timeout.Infinite))
            {
                action();
            }
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Posts each message as an action, as the cmdlet's sink posts WriteVerbose/WriteDebug; the action drops it.</summary>
    private sealed class PostingSink(BlockingCollection<Action> work) : ICallLogSink
    {
        public void Verbose(string message) => work.Add(static () => { });

        public void Debug(string message) => work.Add(static () => { });
    }
}
