using AgentGateway.Engine.Concurrency;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Concurrency;

public sealed class SingleFlightTests
{
    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_run()
    {
        using var flights = new SingleFlight<string, int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var tasks = new List<Task<int>>();
        var starts = 0;
        for (var i = 0; i < 50; i++)
        {
            tasks.Add(flights.Run("k", (_, _) => { Interlocked.Increment(ref runs); return gate.Task; }, null, out var started));
            starts += started ? 1 : 0;
        }

        gate.SetResult(7);
        var results = await Task.WhenAll(tasks);

        Assert.Equal(1, starts);
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.All(results, r => Assert.Equal(7, r));
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task Two_keys_run_apart()
    {
        using var flights = new SingleFlight<string, string>();
        var a = flights.Run("a", (k, _) => Task.FromResult(k), null, out var startedA);
        var b = flights.Run("b", (k, _) => Task.FromResult(k), null, out var startedB);

        Assert.True(startedA && startedB);
        Assert.Equal(("a", "b"), (await a, await b));
    }

    [Fact]
    public async Task The_first_callers_cancellation_does_not_cancel_the_others()
    {
        using var flights = new SingleFlight<string, int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken seen = default;
        var run = flights.Run("k", (_, ct) => { seen = ct; return gate.Task; }, null, out _);
        using var first = new CancellationTokenSource();
        var firstWait = run.WaitAsync(first.Token);
        var secondWait = flights.Run("k", (_, _) => Task.FromResult(-1), null, out var secondStarted).WaitAsync(CancellationToken.None);

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => firstWait);
        gate.SetResult(3);

        Assert.False(secondStarted);
        Assert.Equal(3, await secondWait);
        Assert.False(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task A_failed_run_is_gone_before_anyone_sees_the_failure_and_the_next_caller_starts_afresh()
    {
        using var flights = new SingleFlight<string, int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failing = flights.Run("k", (_, _) => gate.Task, null, out _);
        var stillRunningWhenFailureSeen = true;
        var observer = failing.ContinueWith(_ => stillRunningWhenFailureSeen = flights.IsRunning("k"), TaskScheduler.Default);

        // The caller that started it is gone; the run fails afterwards.
        gate.SetException(new InvalidOperationException("outage"));
        await observer;
        var second = flights.Run("k", (_, _) => Task.FromResult(5), null, out var started);

        Assert.False(stillRunningWhenFailureSeen);
        Assert.True(started);
        Assert.Equal(5, await second);
        var first = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("outage", first.Message);
    }

    [Fact]
    public async Task An_abandoned_run_is_bounded_by_the_timeout()
    {
        var time = new FakeTimeProvider();
        using var flights = new SingleFlight<string, int>(timeProvider: time);
        var run = flights.Run("k", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return 1; }, TimeSpan.FromSeconds(30), out _);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var e = await Assert.ThrowsAsync<TimeoutException>(() => run);
        Assert.Contains("30 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task Disposing_cancels_the_runs()
    {
        var flights = new SingleFlight<string, int>();
        var run = flights.Run("k", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return 1; }, null, out _);

        flights.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Throws<ObjectDisposedException>(() => { _ = flights.Run("k", (_, _) => Task.FromResult(1), null, out _); });
    }
}
