namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// How many requests may be in flight to one endpoint, learned from the server (additive increase, multiplicative
/// decrease): it starts at <see cref="Ceiling"/>; a push-back (a 429) halves it (from what was in flight, never below
/// 1; once per pause: the other answers of that moment are the same push-back) and pauses new requests until the
/// server's Retry-After has passed; each request that succeeds adds 1/limit, so
/// it grows by one per round of successes. A request waits in <see cref="AcquireAsync"/> while as many are in flight
/// as the limit allows, or while a pause lasts; the lease it gets is given back when it ends. So a batch of calls slows
/// down as a whole when the server pushes back, instead of each call retrying on its own.
/// </summary>
internal sealed class AdaptiveConcurrencyLimit : IConcurrencyLimit
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private readonly TimeProvider _time;
    private double _limit;
    private int _inFlight;
    private long _pausedUntil;
    private long _throttles;
    private ITimer? _resume;

    /// <param name="ceiling">The most in flight, ever (and at the start).</param>
    /// <param name="timeProvider">The clock of pauses; the system's when null.</param>
    public AdaptiveConcurrencyLimit(int ceiling, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, 1);
        Ceiling = ceiling;
        _limit = ceiling;
        _time = timeProvider ?? TimeProvider.System;
    }

    public int Ceiling { get; }

    /// <summary>How many may be in flight now (at least 1).</summary>
    public int Current
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(1, (int)_limit);
            }
        }
    }

    /// <summary>How many are in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How many push-backs were taken in.</summary>
    public long Throttles => Interlocked.Read(ref _throttles);

    /// <summary>True while the limit is below <see cref="Ceiling"/> or a pause lasts: the server has pushed back.</summary>
    public bool IsThrottled
    {
        get
        {
            lock (_gate)
            {
                return _limit < Ceiling || _time.GetTimestamp() < _pausedUntil;
            }
        }
    }

    /// <summary>Waits for room (the limit, and any pause), then holds a place until the lease is disposed.</summary>
    public async ValueTask<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_gate)
            {
                if (_time.GetTimestamp() >= _pausedUntil && _inFlight < Math.Max(1, (int)_limit))
                {
                    _inFlight++;
                    return new Lease(this);
                }

                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.AddLast(waiter);
            }

            try
            {
                await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    _waiting.Remove(waiter);
                }

                throw;
            }
        }
    }

    /// <summary>The server pushed back (a 429): the limit halves from what is in flight, and nothing new starts for <paramref name="pause"/>.</summary>
    public void OnThrottled(TimeSpan pause)
    {
        Interlocked.Increment(ref _throttles);
        lock (_gate)
        {
            // One decrease per push-back: the answers of requests already in flight when the first came are the same event.
            if (_time.GetTimestamp() >= _pausedUntil)
            {
                _limit = Math.Max(1, Math.Min(_limit, Math.Max(1, _inFlight)) / 2);
            }

            if (pause > TimeSpan.Zero)
            {
                var until = _time.GetTimestamp() + (long)(pause.TotalSeconds * _time.TimestampFrequency);
                if (until > _pausedUntil)
                {
                    _pausedUntil = until;
                    _resume?.Dispose();
                    using (ExecutionContext.SuppressFlow())
                    {
                        _resume = _time.CreateTimer(static state => ((AdaptiveConcurrencyLimit)state!).WakeAll(), this, pause, Timeout.InfiniteTimeSpan);
                    }
                }
            }
        }
    }

    /// <summary>A request succeeded: the limit grows by 1/limit (one per round of successes), up to <see cref="Ceiling"/>.</summary>
    public void OnSuccess()
    {
        lock (_gate)
        {
            if (_limit < Ceiling)
            {
                _limit = Math.Min(Ceiling, _limit + (1 / _limit));
            }
        }

        Wake();
    }

    private void Release()
    {
        lock (_gate)
        {
            _inFlight--;
        }

        Wake();
    }

    /// <summary>Lets as many waiters try again as there is room for (they check the limit and the pause themselves).</summary>
    private void Wake()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (_time.GetTimestamp() < _pausedUntil)
            {
                return;
            }

            var room = Math.Max(1, (int)_limit) - _inFlight;
            while (room-- > 0 && _waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                (ready ??= []).Add(first.Value);
            }
        }

        ready?.ForEach(w => w.TrySetResult());
    }

    private void WakeAll()
    {
        lock (_gate)
        {
            _resume?.Dispose();
            _resume = null;
            var left = _pausedUntil - _time.GetTimestamp();
            if (left > 0)
            {
                // A timer that fired a little early: wait out the rest.
                using (ExecutionContext.SuppressFlow())
                {
                    _resume = _time.CreateTimer(static state => ((AdaptiveConcurrencyLimit)state!).WakeAll(), this, TimeSpan.FromSeconds((double)left / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
                }

                return;
            }
        }

        Wake();
    }

    private sealed class Lease(AdaptiveConcurrencyLimit owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
