using System.Collections.Concurrent;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Runs async work while the pipeline thread waits for it and runs, on that thread, the actions the
/// work posts (WriteObject, WriteVerbose, WriteProgress, ...). The wait does not spin: on a machine
/// with few cores a spinning pipeline thread takes the core the work itself needs.
/// </summary>
internal sealed class PipelinePump
{
    private readonly ConcurrentQueue<Action> _queue = new();

    // Never disposed on purpose: with no WaitHandle asked for it holds no kernel object, and a late
    // Post from a background thread must not meet a disposed event.
    private readonly ManualResetEventSlim _signal = new(initialState: false, spinCount: 0);
    private volatile bool _open;
    private volatile bool _held;

    /// <summary>
    /// Keeps what is posted while no work runs, for the next <see cref="Run{T}"/> (or <see cref="Drain"/>): for work
    /// that spans several pumps (calls in flight between two piped inputs). Off again: what is posted outside a run
    /// is dropped, and what was kept is dropped too.
    /// </summary>
    public bool Held
    {
        get => _held;
        set
        {
            _held = value;
            if (!value && !_open)
            {
                _queue.Clear();
            }
        }
    }

    /// <summary>Queues an action for the pipeline thread; dropped when no work is running nor <see cref="Held"/> (it would be written late).</summary>
    public void Post(Action action)
    {
        if (!_open && !_held)
        {
            return;
        }

        _queue.Enqueue(action);
        _signal.Set();
    }

    /// <summary>Starts the work and runs posted actions on this thread until the work ends; then its result or exception.</summary>
    public T Run<T>(Func<Task<T>> start)
    {
        _open = true;
        Task<T> task;
        try
        {
            task = start();
            _ = task.ContinueWith(static (_, signal) => ((ManualResetEventSlim)signal!).Set(), _signal, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (true)
            {
                // Reset before draining: an action posted after the drain sets the signal again.
                _signal.Reset();
                Drain();
                if (task.IsCompleted)
                {
                    break;
                }

                _signal.Wait();
            }
        }
        finally
        {
            _open = false;
        }

        Drain();
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs, on this thread, what was posted so far.</summary>
    public void Drain()
    {
        while (_queue.TryDequeue(out var action))
        {
            action();
        }
    }
}
