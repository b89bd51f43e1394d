using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// The timeout of one MCP operation (<see cref="Token"/> is cancelled when it runs out), which stops while a person
/// answers what the server asks (<see cref="Pause"/>): that wait is the person's, bounded on its own
/// (<see cref="Mcp.ServerRequests.McpServerRequests.AnswerTimeout"/>), and is not counted against the call's -TimeoutSec.
/// The operation in progress finds its clock through <see cref="Current"/> (set by <see cref="Mcp.Calls.McpGatewayClient"/>).
/// </summary>
internal sealed class McpCallClock : IDisposable
{
    private static readonly Ambient<McpCallClock> s_current = new();

    private readonly CancellationTokenSource _expired = new();
    private readonly Lock _gate = new();
    private readonly ITimer? _timer;
    private readonly TimeProvider _time;
    private TimeSpan _left;
    private long _resumedAt;
    private int _pauses;
    private bool _disposed;

    /// <param name="limit">How long the operation may take; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="time">The clock (the system's in production).</param>
    public McpCallClock(TimeSpan limit, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _left = limit;
        if (limit != Timeout.InfiniteTimeSpan)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _timer = _time.CreateTimer(static state => ((McpCallClock)state!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            Run();
        }
    }

    /// <summary>The clock of the MCP operation in the current async flow, if any.</summary>
    public static McpCallClock? Current => s_current.Current;

    /// <summary>Cancelled when the time is up.</summary>
    public CancellationToken Token => _expired.Token;

    public bool IsExpired => _expired.IsCancellationRequested;

    /// <summary>The time left (frozen while paused); null without a limit.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            lock (_gate)
            {
                if (_timer is null)
                {
                    return null;
                }

                var left = _pauses > 0 ? _left : _left - _time.GetElapsedTime(_resumedAt);
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Makes this the clock of the current async flow until the scope is disposed.</summary>
    public IDisposable Use() => s_current.Use(this);

    /// <summary>Stops the clock until the returned scope is disposed (pauses nest: it runs again after the last one).</summary>
    public IDisposable Pause()
    {
        lock (_gate)
        {
            if (_pauses++ == 0 && _timer is not null && !_disposed && !IsExpired)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _left -= _time.GetElapsedTime(_resumedAt);
            }
        }

        return new Resumption(this);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer?.Dispose();
        _expired.Dispose();
    }

    private void Resume()
    {
        lock (_gate)
        {
            if (--_pauses == 0 && _timer is not null && !_disposed && !IsExpired)
            {
                Run();
            }
        }
    }

    private void Run()
    {
        _resumedAt = _time.GetTimestamp();
        _timer!.Change(_left > TimeSpan.Zero ? _left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void Expire()
    {
        lock (_gate)
        {
            if (_disposed || _pauses > 0)
            {
                return;
            }
        }

        try
        {
            _expired.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed in the meantime: the operation has ended.
        }
    }

    private sealed class Resumption(McpCallClock clock) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                clock.Resume();
            }
        }
    }
}
