using System.Collections.Concurrent;
using System.Management.Automation;
using AgentGateway.Engine.Sessions;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of every AgentGateway cmdlet. It owns cancellation (a token source per invocation,
/// cancelled by Ctrl+C through <see cref="StopProcessing"/>) and runs async engine work off the
/// pipeline thread while writing everything the work posts (objects, verbose lines, progress)
/// on the pipeline thread, where PowerShell requires it.
/// </summary>
public abstract class AgwCmdlet : PSCmdlet, IDisposable
{
    private readonly BlockingCollection<Action> _pipelineWork = new();
    private CancellationTokenSource? _cancellation;
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

    /// <summary>The engine session of this runspace.</summary>
    internal AgwSession Session => RunspaceSessions.Current;

    protected override void BeginProcessing()
    {
        _cancellation?.Dispose();
        _cancellation = new CancellationTokenSource();
        base.BeginProcessing();
    }

    protected override void StopProcessing()
    {
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The invocation already ended.
        }

        base.StopProcessing();
    }

    /// <summary>
    /// Queues an action (WriteObject, WriteVerbose, WriteProgress, ...) to run on the pipeline
    /// thread. Safe to call from any thread while <see cref="RunOnPipeline{T}"/> is waiting.
    /// </summary>
    protected void PostToPipeline(Action action) => _pipelineWork.Add(action);

    /// <summary>Runs async work, pumping posted actions on this (the pipeline) thread until it ends.</summary>
    protected T RunOnPipeline<T>(Func<CancellationToken, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var token = CancellationToken;
        var task = Task.Run(() => work(token), token);
        _ = task.ContinueWith(static (_, state) => ((BlockingCollection<Action>)state!).Add(static () => { }), _pipelineWork, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            if (_pipelineWork.TryTake(out var action, Timeout.Infinite))
            {
                action();
            }
        }

        while (_pipelineWork.TryTake(out var remaining))
        {
            remaining();
        }

        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="RunOnPipeline{T}(Func{CancellationToken, Task{T}})"/>
    protected void RunOnPipeline(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        RunOnPipeline<bool>(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        });
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            _cancellation?.Dispose();
            _pipelineWork.Dispose();
        }
    }
}
