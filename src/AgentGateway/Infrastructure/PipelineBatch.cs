using System.Management.Automation;
using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The pipeline side of a batch of concurrent work over piped input (Invoke-McpTool -ThrottleLimit): each input is
/// prepared on the pipeline thread and started in the engine's <see cref="OrderedWindow{TInput, TResult}"/>, which
/// decides how many run and when there is room; this type writes, on the pipeline thread and in input order, each
/// outcome (a result through the cmdlet's own writer, a failure as an error naming its input's target) and one
/// progress record for the batch. Input is read only while the window has room: before each <see cref="Add"/> it
/// pumps (running what the calls post) until there is. Whatever ends the batch early (-ErrorAction Stop from a
/// written error, Ctrl+C, a downstream Select-Object -First) cancels every item in flight before it goes on.
/// </summary>
/// <typeparam name="TInput">One input's item: what its outcome is written with.</typeparam>
/// <typeparam name="TResult">What an item's work produces.</typeparam>
internal sealed class PipelineBatch<TInput, TResult> : IDisposable
{
    /// <summary>How long a batch that stops waits for its cancelled items to end (each tells its server).</summary>
    private static readonly TimeSpan s_cancelWait = TimeSpan.FromSeconds(2);

    private readonly AgwCmdlet _cmdlet;
    private readonly OrderedWindow<TInput, TResult> _window;
    private readonly string _activity;
    private readonly Func<TInput, object?> _targetOf;
    private readonly Action<TInput, TResult> _writeResult;
    private bool _inputEnded;

    /// <param name="cmdlet">The cmdlet whose pipeline thread pumps and writes.</param>
    /// <param name="limit">How many items may be in flight at once.</param>
    /// <param name="activity">The progress activity of the batch.</param>
    /// <param name="targetOf">What a failed item's error names.</param>
    /// <param name="writeResult">Writes a successful item's result (on the pipeline thread).</param>
    public PipelineBatch(AgwCmdlet cmdlet, int limit, string activity, Func<TInput, object?> targetOf, Action<TInput, TResult> writeResult)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _targetOf = targetOf;
        _writeResult = writeResult;
        _window = new OrderedWindow<TInput, TResult>(limit, cmdlet.CancellationToken);
        cmdlet.KeepPostsBetweenRuns(true);
    }

    /// <summary>What bounds, besides the limit, how many items run at once (<see cref="OrderedWindow{TInput, TResult}.RunningLimit"/>).</summary>
    public IConcurrencyLimit? RunningLimit
    {
        get => _window.RunningLimit;
        set => _window.RunningLimit = value;
    }

    /// <summary>What the progress line adds while the server pushes back (null when it does not).</summary>
    public Func<string?>? Throttling { get; set; }

    /// <summary>
    /// One input: writes what has ended, waits (pumping) until the window has room, then runs <paramref name="prepare"/>
    /// here (binding, the engine's preparation of the call), and <paramref name="confirm"/> (-WhatIf/-Confirm), which
    /// returns the work to start, or null for none. The work starts inside a pump, so it keeps this invocation's call
    /// log and whatever ambient state it sets before its first wait. A failure to prepare takes its place in the window
    /// as that item's failure, written in input order too; a failure of <paramref name="confirm"/> ends the batch.
    /// </summary>
    public void Add<TCall>(TInput input, Func<TCall> prepare, Func<TCall, Func<CancellationToken, Task<TResult>>?> confirm)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentNullException.ThrowIfNull(confirm);
        Guarded(() =>
        {
            MakeRoom();
            TCall call;
            try
            {
                call = prepare();
            }
            catch (Exception e) when (e is not (OperationCanceledException or PipelineStoppedException or ActionPreferenceStopException))
            {
                _window.StartFailed(input, e);
                return;
            }

            if (confirm(call) is { } work)
            {
                _cmdlet.RunOnPipeline(_ =>
                {
                    _window.Start(input, work);
                    return Task.CompletedTask;
                });
            }
        });
    }

    /// <summary>Every input is read (EndProcessing): writes the rest as it ends, then the completed progress record.</summary>
    public void Complete()
    {
        _inputEnded = true;
        Guarded(() =>
        {
            while (_window.Count > 0)
            {
                _cmdlet.RunOnPipeline(ct => _window.WaitForOldestAsync(ct));
                WriteEnded();
            }

            WriteProgress(completed: true);
        });
        _cmdlet.KeepPostsBetweenRuns(false);
    }

    /// <summary>Cancels what still runs (stopped while upstream had the thread: each item's server is told).</summary>
    public void Dispose()
    {
        _window.Dispose();
        _cmdlet.KeepPostsBetweenRuns(false);
    }

    /// <summary>Runs a step on the pipeline thread; whatever ends it early cancels every item in flight, then goes on.</summary>
    private void Guarded(Action step)
    {
        try
        {
            step();
        }
        catch (OperationCanceledException) when (_cmdlet.CancellationToken.IsCancellationRequested)
        {
            Cancel();
            throw new PipelineStoppedException();
        }
        catch
        {
            Cancel();
            throw;
        }
    }

    /// <summary>Writes what has ended, then pumps until the window has room for one more.</summary>
    private void MakeRoom()
    {
        WriteEnded();
        while (_window.IsFull)
        {
            _cmdlet.RunOnPipeline(ct => _window.WaitForRoomAsync(ct));
            WriteEnded();
        }
    }

    /// <summary>Writes every item at the head of the window that has ended, in input order.</summary>
    private void WriteEnded()
    {
        var any = false;
        while (_window.TryTake(out var outcome))
        {
            any = true;
            if (outcome.Error is { } error)
            {
                if (error is OperationCanceledException && _cmdlet.CancellationToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }

                _cmdlet.WriteError(ErrorRecords.From(error, _targetOf(outcome.Input)));
            }
            else
            {
                _writeResult(outcome.Input, outcome.Result!);
            }
        }

        if (any)
        {
            WriteProgress(completed: false);
        }
    }

    /// <summary>Cancels every item in flight and waits a little for them to end (each tells its server).</summary>
    private void Cancel()
    {
        try
        {
            _cmdlet.RunOnPipeline(_ => _window.CancelAsync(s_cancelWait));
        }
        catch (Exception e) when (e is PipelineStoppedException or ActionPreferenceStopException or OperationCanceledException)
        {
            // Stopping already: what has not ended by now ends on its own.
        }

        _cmdlet.KeepPostsBetweenRuns(false);
    }

    /// <summary>The batch's one progress record: how many ended (of how many, once every input is read) and how many failed.</summary>
    private void WriteProgress(bool completed)
    {
        var progress = _window.Progress(totalKnown: completed || _inputEnded || !_cmdlet.MyInvocation.ExpectingInput);
        var status = !completed && Throttling?.Invoke() is { } throttling ? $"{progress.Status}; {throttling}" : progress.Status;
        var record = new ProgressRecord(3, _activity, status);
        if (progress.PercentComplete is { } percent)
        {
            record.PercentComplete = percent;
        }

        if (completed)
        {
            record.RecordType = ProgressRecordType.Completed;
        }

        _cmdlet.WriteProgress(record);
    }
}
