using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Tests.Concurrency;

/// <summary>The bounded in-order window behind Invoke-McpTool -ThrottleLimit: driven by hand, no sleeps.</summary>
public sealed class OrderedWindowTests
{
    [Fact]
    public void Items_leave_in_input_order_whatever_order_they_end_in()
    {
        using var window = new OrderedWindow<int, string>(3);
        var gates = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<string>()).ToArray();
        for (var i = 0; i < 3; i++)
        {
            var gate = gates[i];
            window.Start(i, _ => gate.Task);
        }

        gates[2].SetResult("two");
        gates[1].SetResult("one");
        Assert.False(window.TryTake(out _), "the oldest is still running: nothing may overtake it");

        gates[0].SetResult("zero");
        var taken = new List<(int, string?)>();
        while (window.TryTake(out var outcome))
        {
            taken.Add((outcome.Input, outcome.Result));
        }

        Assert.Equal([(0, "zero"), (1, "one"), (2, "two")], taken);
        Assert.Equal(0, window.Count);
        Assert.Equal(3, window.Taken);
    }

    [Fact]
    public void A_full_window_starts_nothing_until_the_oldest_is_taken()
    {
        using var window = new OrderedWindow<int, int>(2);
        var first = new TaskCompletionSource<int>();
        var second = new TaskCompletionSource<int>();
        var started = 0;
        window.Start(0, _ => { started++; return first.Task; });
        window.Start(1, _ => { started++; return second.Task; });

        Assert.True(window.IsFull);
        Assert.Throws<InvalidOperationException>(() => window.Start(2, _ => { started++; return Task.FromResult(2); }));
        Assert.Equal(2, started);

        // An item that ended but is not taken still holds its place: the window bounds what is kept, not only what runs.
        second.SetResult(1);
        Assert.True(window.IsFull);

        first.SetResult(0);
        Assert.True(window.TryTake(out var oldest));
        Assert.Equal(0, oldest.Input);
        Assert.False(window.IsFull);
        window.Start(2, _ => { started++; return Task.FromResult(2); });
        Assert.Equal(3, started);
        Assert.True(window.IsFull);
    }

    [Fact]
    public void Feeding_a_long_input_never_holds_more_than_the_limit()
    {
        using var window = new OrderedWindow<int, int>(4);
        var running = new List<TaskCompletionSource<int>>();
        var taken = new List<int>();
        var most = 0;
        for (var i = 0; i < 1_000; i++)
        {
            while (window.IsFull)
            {
                // The oldest ends (a real caller waits for it here, WaitForOldestAsync).
                running[0].SetResult(taken.Count);
                running.RemoveAt(0);
                while (window.TryTake(out var outcome))
                {
                    taken.Add(outcome.Result);
                }
            }

            var gate = new TaskCompletionSource<int>();
            running.Add(gate);
            window.Start(i, _ => gate.Task);
            most = Math.Max(most, window.Count);
        }

        foreach (var gate in running)
        {
            gate.SetResult(taken.Count + running.IndexOf(gate));
        }

        while (window.TryTake(out var outcome))
        {
            taken.Add(outcome.Result);
        }

        Assert.Equal(4, most);
        Assert.Equal(Enumerable.Range(0, 1_000), taken);
    }

    [Fact]
    public void A_failure_is_an_outcome_in_its_turn_with_its_input()
    {
        using var window = new OrderedWindow<string, int>(4);
        window.Start("good", _ => Task.FromResult(1));
        window.Start("bad", _ => Task.FromException<int>(new InvalidDataException("no")));
        window.Start("throws at once", _ => throw new ArgumentException("at once"));
        window.StartFailed("not even started", new FormatException("bound"));

        var outcomes = new List<WindowOutcome<string, int>>();
        while (window.TryTake(out var outcome))
        {
            outcomes.Add(outcome);
        }

        Assert.Equal(["good", "bad", "throws at once", "not even started"], outcomes.Select(o => o.Input));
        Assert.True(outcomes[0].Succeeded);
        Assert.IsType<InvalidDataException>(outcomes[1].Error);
        Assert.IsType<ArgumentException>(outcomes[2].Error);
        Assert.IsType<FormatException>(outcomes[3].Error);
        Assert.Equal(3, window.Failed);
    }

    [Fact]
    public async Task Cancel_reaches_every_item_in_flight()
    {
        using var stop = new CancellationTokenSource();
        using var window = new OrderedWindow<int, int>(3, stop.Token);
        var seen = new List<CancellationToken>();
        for (var i = 0; i < 3; i++)
        {
            window.Start(i, ct =>
            {
                seen.Add(ct);
                return Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, TaskScheduler.Default);
            });
        }

        Assert.False(window.TryTake(out _));
        await stop.CancelAsync();
        await window.WhenAllEndedAsync();

        Assert.All(seen, ct => Assert.True(ct.IsCancellationRequested));
        Assert.True(window.IsCancellationRequested);
        Assert.True(window.TryTake(out var first));
        Assert.Equal(0, first.Input);
    }

    [Fact]
    public async Task Cancelled_work_fails_with_OperationCanceledException()
    {
        using var window = new OrderedWindow<int, int>(2);
        window.Start(0, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, ct, TaskContinuationOptions.None, TaskScheduler.Default));
        window.Cancel();
        await window.WhenAllEndedAsync();

        Assert.True(window.TryTake(out var outcome));
        Assert.IsAssignableFrom<OperationCanceledException>(outcome.Error);
    }

    [Fact]
    public async Task WaitForOldestAsync_completes_when_the_oldest_ends_not_before()
    {
        using var window = new OrderedWindow<int, int>(2);
        Assert.True(window.WaitForOldestAsync().IsCompleted, "an empty window has nothing to wait for");

        var first = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        window.Start(0, _ => first.Task);
        window.Start(1, _ => second.Task);

        var wait = window.WaitForOldestAsync();
        second.SetResult(1);
        Assert.False(wait.IsCompleted);

        first.SetException(new InvalidOperationException("failed"));
        await wait;
        Assert.True(window.TryTake(out var outcome));
        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public async Task WaitForOldestAsync_stops_waiting_on_its_own_token_without_cancelling_the_item()
    {
        using var window = new OrderedWindow<int, int>(1);
        var gate = new TaskCompletionSource<int>();
        var itemToken = CancellationToken.None;
        window.Start(0, ct => { itemToken = ct; return gate.Task; });
        using var waitOnly = new CancellationTokenSource();
        var wait = window.WaitForOldestAsync(waitOnly.Token);

        await waitOnly.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.False(itemToken.IsCancellationRequested);
    }

    /// <summary>A limit a test sets by hand, as a per-endpoint limiter would after a 429.</summary>
    private sealed class SettableLimit(int current) : IConcurrencyLimit
    {
        public int Current { get; set; } = current;
    }

    [Fact]
    public void A_running_limit_that_shrinks_after_the_wait_for_room_does_not_fail_the_start_but_the_window_limit_does()
    {
        using var window = new OrderedWindow<int, int>(2);
        var limit = new SettableLimit(2);
        window.RunningLimit = limit;
        var gate = new TaskCompletionSource<int>();
        window.Start(0, _ => gate.Task);
        Assert.False(window.IsFull);

        // Another thread's 429 shrinks the limit between the caller's IsFull and its Start: the prepared item starts.
        limit.Current = 1;
        window.Start(1, _ => gate.Task);
        Assert.Equal(2, window.Running);
        Assert.True(window.IsFull);

        // The window's own limit is the hard bound.
        limit.Current = 8;
        var error = Assert.Throws<InvalidOperationException>(() => window.Start(2, _ => gate.Task));
        Assert.Contains("2 of 2", error.Message);
        gate.SetResult(0);
    }

    [Fact]
    public void A_running_limit_shrinks_the_calls_in_flight_between_two_starts_and_lets_them_grow_again()
    {
        using var window = new OrderedWindow<int, int>(4);
        var gates = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource<int>()).ToArray();
        window.Start(0, _ => gates[0].Task);
        window.Start(1, _ => gates[1].Task);
        var limit = new SettableLimit(4);
        window.RunningLimit = limit;
        Assert.False(window.IsFull);

        // The server said it is busy: no more than 2 may run, though the window has room for 4 items.
        limit.Current = 2;
        Assert.True(window.IsFull);

        // One ends (not the oldest): a running slot is free, though nothing can be taken yet.
        gates[1].SetResult(1);
        Assert.False(window.TryTake(out _));
        Assert.Equal(1, window.Running);
        Assert.False(window.IsFull);
        window.Start(2, _ => gates[2].Task);
        Assert.True(window.IsFull);

        // Anything below 1 counts as 1: a window always makes progress.
        limit.Current = 0;
        gates[0].SetResult(0);
        gates[2].SetResult(2);
        Assert.False(window.IsFull);

        // Grown again: up to the window's own limit, which still bounds the items held (ended or not).
        limit.Current = 8;
        Assert.True(window.TryTake(out _));
        window.Start(3, _ => gates[3].Task);
        window.Start(4, _ => gates[4].Task);
        Assert.Equal(2, window.Running);
        Assert.True(window.IsFull, "4 items held: 2 ended and not taken, 2 running");
    }

    [Fact]
    public async Task WaitForRoomAsync_waits_for_the_oldest_when_the_window_is_full_and_for_any_end_when_the_running_limit_holds()
    {
        using var window = new OrderedWindow<int, int>(2);
        Assert.True(window.WaitForRoomAsync().IsCompleted, "an empty window has room");

        var first = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        window.Start(0, _ => first.Task);
        window.Start(1, _ => second.Task);
        var full = window.WaitForRoomAsync();
        second.SetResult(1);
        Assert.False(full.IsCompleted, "a full window makes room only when its oldest can be taken");
        first.SetResult(0);
        await full;
        while (window.TryTake(out _))
        {
        }

        using var limited = new OrderedWindow<int, int>(4) { RunningLimit = new SettableLimit(2) };
        var a = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var b = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        limited.Start(0, _ => a.Task);
        limited.Start(1, _ => b.Task);
        var room = limited.WaitForRoomAsync();
        Assert.False(room.IsCompleted);
        b.SetResult(1);
        await room;
        Assert.False(limited.IsFull, "the running limit holds no longer, though the oldest still runs");
        a.SetResult(0);
    }

    [Fact]
    public void Progress_says_how_many_are_done_of_how_many_once_the_total_is_known()
    {
        using var window = new OrderedWindow<int, int>(4);
        window.Start(0, _ => Task.FromResult(0));
        window.StartFailed(1, new InvalidOperationException("no"));
        window.Start(2, _ => new TaskCompletionSource<int>().Task);
        Assert.True(window.TryTake(out _));
        Assert.True(window.TryTake(out _));

        var reading = window.Progress(totalKnown: false);
        Assert.Equal("2 done, 1 in flight, 1 failed", reading.Status);
        Assert.Null(reading.PercentComplete);

        var known = window.Progress(totalKnown: true);
        Assert.Equal("2 of 3 done, 1 failed", known.Status);
        Assert.Equal(66, known.PercentComplete);
        Assert.Null(new WindowProgress(0, 0, 0, 0).PercentComplete);
    }

    [Fact]
    public async Task CancelAsync_tells_every_item_and_waits_for_them_at_most_the_time_given()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var window = new OrderedWindow<int, int>(3, timeProvider: time);
        var ending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<CancellationToken>();
        window.Start(0, ct => { seen.Add(ct); return Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => 0, TaskScheduler.Default); });
        window.Start(1, ct => { seen.Add(ct); return ending.Task; });   // ignores its cancellation: ends late

        var cancel = window.CancelAsync(TimeSpan.FromSeconds(2));
        Assert.All(seen, ct => Assert.True(ct.IsCancellationRequested));
        await Task.Yield();
        Assert.False(cancel.IsCompleted, "an item still runs, and the wait is not over");

        time.Advance(TimeSpan.FromSeconds(2));
        await cancel;   // no TimeoutException: what has not ended by now ends on its own
        Assert.False(ending.Task.IsCompleted);
        ending.SetResult(1);
    }
}
