namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// A bounded, in-order window of concurrent work (Invoke-McpTool -ThrottleLimit): items are started in input order,
/// at most <see cref="Limit"/> at a time, and taken out in that same order, each with its input and its outcome.
/// An item leaves the window only when it is taken, so the window holds at most <see cref="Limit"/> inputs and
/// outcomes however long the input is (a slow first item holds back the others' outcomes, and the start of new ones).
/// The caller reads input only while <see cref="IsFull"/> is false, and waits with <see cref="WaitForRoomAsync"/>
/// while it is true: that is the back-pressure. A <see cref="RunningLimit"/> (a limiter that shrinks the calls in
/// flight after a server said it is busy) bounds, besides, how many of the items run at once.
/// <para>
/// One thread drives it (the PowerShell pipeline thread): <see cref="Start"/>, <see cref="TryTake"/> and the waits
/// are not for concurrent use; the work itself runs wherever it runs. Every item gets the window's cancellation,
/// which <see cref="Cancel"/> (or the token given at construction) triggers for all of them at once.
/// </para>
/// </summary>
/// <typeparam name="TInput">What an item was started for (returned with its outcome).</typeparam>
/// <typeparam name="TResult">What an item's work produces.</typeparam>
internal sealed class OrderedWindow<TInput, TResult> : IDisposable
{
    private readonly Queue<(TInput Input, Task<TResult> Work)> _items = new();
    private readonly CancellationTokenSource _cancellation;
    private readonly TimeProvider _time;

    /// <param name="limit">How many items may be in the window at once (at least 1).</param>
    /// <param name="cancellationToken">Cancels every item, like <see cref="Cancel"/>.</param>
    /// <param name="timeProvider">The clock of <see cref="CancelAsync"/>'s bounded wait (the system's when null).</param>
    public OrderedWindow(int limit, CancellationToken cancellationToken = default, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many items may be in the window at once (started and not yet taken): what bounds the outcomes held.</summary>
    public int Limit { get; }

    /// <summary>
    /// What bounds, besides <see cref="Limit"/>, how many items run at once (asked before every start); null: only
    /// <see cref="Limit"/>. May be set or changed between two starts.
    /// </summary>
    public IConcurrencyLimit? RunningLimit { get; set; }

    /// <summary>Items started and not yet taken (running or ended).</summary>
    public int Count => _items.Count;

    /// <summary>Items started whose work has not ended yet.</summary>
    public int Running => _items.Count(i => !i.Work.IsCompleted);

    /// <summary>
    /// Whether another item may not start now: the window holds <see cref="Limit"/> items (take the oldest first), or
    /// as many run as <see cref="RunningLimit"/> allows (wait until one ends).
    /// </summary>
    public bool IsFull => _items.Count >= Limit || (RunningLimit is { } running && Running >= Math.Max(1, running.Current));

    /// <summary>Items started so far.</summary>
    public long Started { get; private set; }

    /// <summary>Items taken so far.</summary>
    public long Taken { get; private set; }

    /// <summary>Items taken so far that failed (an exception or a cancellation).</summary>
    public long Failed { get; private set; }

    /// <summary>Whether the items were cancelled (<see cref="Cancel"/>, or the token given at construction).</summary>
    public bool IsCancellationRequested => _cancellation.IsCancellationRequested;

    /// <summary>
    /// Starts <paramref name="work"/> for <paramref name="input"/> with the window's cancellation. Work that throws at
    /// once is an item that failed, taken in its turn like any other. An <see cref="InvalidOperationException"/> when
    /// the window holds <see cref="Limit"/> items. The <see cref="RunningLimit"/> is not checked here: the caller asks
    /// <see cref="IsFull"/> before it prepares an item, and a limiter that another thread shrinks in between (a 429
    /// seen by a call in flight) must not fail the item already prepared; it holds from the next start on.
    /// </summary>
    public void Start(TInput input, Func<CancellationToken, Task<TResult>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_items.Count >= Limit)
        {
            throw new InvalidOperationException($"The window is full ({Count} of {Limit} item(s), {Running} running); wait for room first.");
        }

        Task<TResult> task;
        try
        {
            task = work(_cancellation.Token) ?? throw new InvalidOperationException("The work returned no task.");
        }
        catch (Exception e)
        {
            task = Task.FromException<TResult>(e);
        }

        _items.Enqueue((input, task));
        Started++;
    }

    /// <summary>Adds an item that already failed (its input could not be turned into work), taken in its turn.</summary>
    public void StartFailed(TInput input, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Start(input, _ => Task.FromException<TResult>(error));
    }

    /// <summary>Takes the oldest item if it has ended; false when it is still running or the window is empty.</summary>
    public bool TryTake(out WindowOutcome<TInput, TResult> outcome)
    {
        if (_items.Count == 0 || !_items.Peek().Work.IsCompleted)
        {
            outcome = default;
            return false;
        }

        var (input, work) = _items.Dequeue();
        Taken++;
        if (work.IsCompletedSuccessfully)
        {
            outcome = new WindowOutcome<TInput, TResult>(input, work.Result, null);
            return true;
        }

        Failed++;
        var error = work.IsCanceled
            ? new OperationCanceledException(_cancellation.Token.IsCancellationRequested ? _cancellation.Token : CancellationToken.None)
            : work.Exception!.InnerExceptions.Count == 1 ? work.Exception.InnerException! : work.Exception;
        outcome = new WindowOutcome<TInput, TResult>(input, default, error);
        return true;
    }

    /// <summary>
    /// Completes when the oldest item has ended (at once when the window is empty); its failure is not thrown here,
    /// <see cref="TryTake"/> returns it. <paramref name="cancellationToken"/> stops the wait only.
    /// </summary>
    public Task WaitForOldestAsync(CancellationToken cancellationToken = default)
    {
        if (_items.Count == 0)
        {
            return Task.CompletedTask;
        }

        var oldest = _items.Peek().Work;
        return oldest.IsCompleted ? Task.CompletedTask : ((Task)oldest).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when the window may have room (at once when it has): when it holds <see cref="Limit"/> items, once the
    /// oldest has ended (take it then); when <see cref="RunningLimit"/> holds it, once any running item has ended. The
    /// caller takes what ended and asks <see cref="IsFull"/> again (the limit may have shrunk meanwhile).
    /// <paramref name="cancellationToken"/> stops the wait only.
    /// </summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken = default)
    {
        if (!IsFull)
        {
            return Task.CompletedTask;
        }

        if (_items.Count >= Limit || _items.Peek().Work.IsCompleted)
        {
            return WaitForOldestAsync(cancellationToken);
        }

        var running = _items.Select(i => (Task)i.Work).Where(w => !w.IsCompleted).ToArray();
        return running.Length == 0 ? Task.CompletedTask : Task.WhenAny(running).WaitAsync(cancellationToken);
    }

    /// <summary>Where the window stands; <paramref name="totalKnown"/>: every input was read, so <see cref="Started"/> is the total.</summary>
    public WindowProgress Progress(bool totalKnown) => new(Taken, Count, Failed, totalKnown ? Started : null);

    /// <summary>
    /// Cancels every item (each is told through its token) and waits, at most <paramref name="wait"/>, for them to end;
    /// what has not ended by then ends on its own. Failures are not thrown here.
    /// </summary>
    public async Task CancelAsync(TimeSpan wait)
    {
        Cancel();
        try
        {
            await WhenAllEndedAsync().WaitAsync(wait, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Stopping already: what has not ended by now ends on its own.
        }
    }

    /// <summary>Cancels every item in the window (and every item started after).</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed: nothing runs any more that could be told.
        }
    }

    /// <summary>Completes when every item in the window has ended, however (failures are not thrown here).</summary>
    public Task WhenAllEndedAsync()
    {
        var running = _items.Select(i => i.Work).Where(w => !w.IsCompleted).ToArray();
        return running.Length == 0
            ? Task.CompletedTask
            : Task.WhenAll(running).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private bool _disposed;

    /// <summary>Cancels what still runs and releases the cancellation.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Cancel();
        _cancellation.Dispose();
    }
}

/// <summary>One item taken from an <see cref="OrderedWindow{TInput, TResult}"/>: its input, and its result or what it failed with.</summary>
internal readonly record struct WindowOutcome<TInput, TResult>(TInput Input, TResult? Result, Exception? Error)
{
    /// <summary>Whether the item's work ended with a result.</summary>
    public bool Succeeded => Error is null;
}
