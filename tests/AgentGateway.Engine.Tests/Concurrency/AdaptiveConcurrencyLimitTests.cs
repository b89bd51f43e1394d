using AgentGateway.Engine.Concurrency;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Concurrency;

/// <summary>The per-endpoint limiter: halves from what is in flight on a push-back, pauses for Retry-After, grows back on success.</summary>
public sealed class AdaptiveConcurrencyLimitTests
{
    [Fact]
    public async Task A_push_back_halves_the_limit_from_what_is_in_flight_and_successes_grow_it_again()
    {
        var limit = new AdaptiveConcurrencyLimit(32, new FakeTimeProvider());
        var leases = new List<IDisposable>();
        for (var i = 0; i < 16; i++)
        {
            leases.Add(await limit.AcquireAsync(CancellationToken.None));
        }

        limit.OnThrottled(TimeSpan.Zero);

        Assert.Equal(8, limit.Current);
        Assert.True(limit.IsThrottled);
        for (var i = 0; i < 8 * 8; i++)
        {
            limit.OnSuccess();
        }

        Assert.InRange(limit.Current, 12, 16);
        leases.ForEach(l => l.Dispose());
        Assert.Equal(0, limit.InFlight);
    }

    [Fact]
    public async Task The_answers_of_one_push_back_halve_the_limit_once()
    {
        var time = new FakeTimeProvider();
        var limit = new AdaptiveConcurrencyLimit(32, time);
        var leases = new List<IDisposable>();
        for (var i = 0; i < 32; i++)
        {
            leases.Add(await limit.AcquireAsync(CancellationToken.None));
        }

        limit.OnThrottled(TimeSpan.FromSeconds(1));
        limit.OnThrottled(TimeSpan.FromSeconds(1));
        limit.OnThrottled(TimeSpan.FromSeconds(1));
        Assert.Equal(16, limit.Current);

        time.Advance(TimeSpan.FromSeconds(1));
        limit.OnThrottled(TimeSpan.FromSeconds(1));
        Assert.Equal(8, limit.Current);
        leases.ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task No_more_than_the_limit_run_and_a_waiter_starts_when_one_ends()
    {
        var limit = new AdaptiveConcurrencyLimit(2, new FakeTimeProvider());
        var first = await limit.AcquireAsync(CancellationToken.None);
        using var second = await limit.AcquireAsync(CancellationToken.None);

        var third = limit.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);

        first.Dispose();
        using var started = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, limit.InFlight);
    }

    [Fact]
    public async Task A_pause_holds_every_new_request_until_the_retry_after_has_passed()
    {
        var time = new FakeTimeProvider();
        var limit = new AdaptiveConcurrencyLimit(8, time);
        limit.OnThrottled(TimeSpan.FromSeconds(1));

        var waiting = limit.AcquireAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(100));
        using var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, limit.InFlight);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_no_place_taken()
    {
        var limit = new AdaptiveConcurrencyLimit(1, new FakeTimeProvider());
        var held = await limit.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = limit.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        held.Dispose();
        using var next = await limit.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, limit.InFlight);
    }
}
