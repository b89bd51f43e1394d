using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// Single flight per key: concurrent callers of one key share one run of the work (a token fetch, an MCP
/// session setup). The run belongs to no caller: it gets its own cancellation (disposal of this object,
/// and the timeout when one is given), so a caller that stops waiting only stops waiting and the others
/// still get the outcome. A run is removed from the set before its outcome is published, whoever started
/// it and however it ends: a caller that comes after a failure starts a fresh run, it never receives an
/// old exception. Keeping a result is the owner's business (a cache, a pool), not this class's.
/// </summary>
/// <typeparam name="TKey">The key of a run.</typeparam>
/// <typeparam name="TValue">What a run produces.</typeparam>
internal sealed class SingleFlight<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Task<TValue>> _runs;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TimeProvider _time;
    private readonly bool _flowExecutionContext;
    private int _disposed;

    /// <param name="comparer">Compares keys; the default comparer when null.</param>
    /// <param name="flowExecutionContext">
    /// False (default): the work runs without the starting caller's execution context, so it neither
    /// writes to that caller's call log nor sees its ambient values. True: it keeps them (its log lines
    /// go to the caller that started it, and are dropped if that caller is gone).
    /// </param>
    /// <param name="timeProvider">The clock of the timeout; <see cref="TimeProvider.System"/> when null.</param>
    public SingleFlight(IEqualityComparer<TKey>? comparer = null, bool flowExecutionContext = false, TimeProvider? timeProvider = null)
    {
        _runs = new ConcurrentDictionary<TKey, Task<TValue>>(comparer);
        _flowExecutionContext = flowExecutionContext;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many runs are in progress.</summary>
    public int Count => _runs.Count;

    /// <summary>Whether a run of <paramref name="key"/> is in progress.</summary>
    public bool IsRunning(TKey key) => _runs.ContainsKey(key);

    /// <summary>The run of <paramref name="key"/> in progress, if any.</summary>
    public bool TryGetRun(TKey key, [MaybeNullWhen(false)] out Task<TValue> run) => _runs.TryGetValue(key, out run);

    /// <summary>Probes runs by another form of the key (a span of characters, say) without making a key.</summary>
    public ConcurrentDictionary<TKey, Task<TValue>>.AlternateLookup<TAlternate> GetAlternateLookup<TAlternate>()
        where TAlternate : notnull, allows ref struct =>
        _runs.GetAlternateLookup<TAlternate>();

    /// <summary>
    /// Joins the run of <paramref name="key"/> in progress, or starts <paramref name="work"/> as a new one
    /// (<paramref name="started"/> says which). Wait for the returned task with your own cancellation
    /// (<see cref="Task.WaitAsync(CancellationToken)"/>): it stops your wait, never the run. A run longer
    /// than <paramref name="timeout"/> is cancelled and fails with <see cref="TimeoutException"/>.
    /// </summary>
    public Task<TValue> Run(TKey key, Func<TKey, CancellationToken, Task<TValue>> work, TimeSpan? timeout, out bool started)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (true)
        {
            if (_runs.TryGetValue(key, out var running))
            {
                started = false;
                return running;
            }

            var completion = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_runs.TryAdd(key, completion.Task))
            {
                continue;
            }

            started = true;

            // The deadline starts now, when the run is started, not when the thread pool gets to it.
            var deadline = timeout is { } limit && limit != Timeout.InfiniteTimeSpan ? new CancellationTokenSource(limit, _time) : null;
            if (_flowExecutionContext || ExecutionContext.IsFlowSuppressed())
            {
                _ = Task.Run(() => RunAsync(key, work, timeout, deadline, completion));
            }
            else
            {
                using (ExecutionContext.SuppressFlow())
                {
                    _ = Task.Run(() => RunAsync(key, work, timeout, deadline, completion));
                }
            }

            // A run may fail with no one waiting any more: observe it so it is not reported as unobserved.
            _ = completion.Task.ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return completion.Task;
        }
    }

    /// <summary>Cancels every run in progress; their waiters see the cancellation.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Not disposed: a run starting right now may still link to it; a source without a timer holds nothing.
        _lifetime.Cancel();
    }

    private async Task RunAsync(TKey key, Func<TKey, CancellationToken, Task<TValue>> work, TimeSpan? timeout, CancellationTokenSource? deadline, TaskCompletionSource<TValue> completion)
    {
        CancellationTokenSource? linked = null;
        TValue value = default!;
        Exception? failure = null;
        try
        {
            var token = _lifetime.Token;
            if (deadline is not null)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
                token = linked.Token;
            }

            value = await work(key, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline?.IsCancellationRequested == true && Volatile.Read(ref _disposed) == 0)
        {
            failure = new TimeoutException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The shared operation did not finish within {timeout!.Value.TotalSeconds:0.###} s."), e);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            linked?.Dispose();
            deadline?.Dispose();

            // Gone from the set before anyone can see the outcome: a later caller starts afresh.
            _runs.TryRemove(new KeyValuePair<TKey, Task<TValue>>(key, completion.Task));
        }

        if (failure is null)
        {
            completion.TrySetResult(value);
        }
        else
        {
            completion.TrySetException(failure);
        }
    }
}
