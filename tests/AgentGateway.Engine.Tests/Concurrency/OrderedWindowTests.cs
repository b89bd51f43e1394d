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
}
