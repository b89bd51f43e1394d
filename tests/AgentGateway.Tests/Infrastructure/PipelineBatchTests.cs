using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// The pipeline side of a batch, in a real runspace: a test cmdlet feeds piped numbers through a
/// <see cref="PipelineBatch{TInput, TResult}"/> whose work the test drives by hand (no sleeps): outcomes in input order,
/// errors naming their input, one progress activity, input read only while the window has room, and every item in
/// flight cancelled when the batch ends early.
/// </summary>
public sealed class PipelineBatchTests
{
    [Fact]
    public void Writes_outcomes_in_input_order_whatever_order_the_work_ends_in()
    {
        // Every third item ends at once and then ends the two before it, the newer first: 3, 2, 1, 6, 5, 4.
        var ended = new ConcurrentQueue<int>();
        var pending = new ConcurrentDictionary<int, TaskCompletionSource<int>>();
        var script = new BatchScript
        {
            Work = (i, _) =>
            {
                if (i % 3 != 0)
                {
                    return pending.GetOrAdd(i, _ => new TaskCompletionSource<int>()).Task;
                }

                ended.Enqueue(i);
                foreach (var before in new[] { i - 1, i - 2 })
                {
                    ended.Enqueue(before);
                    pending[before].SetResult(before * 10);
                }

                return Task.FromResult(i * 10);
            },
        };

        var run = Run(script, Enumerable.Range(1, 6), throttleLimit: 3);

        Assert.Equal([3, 2, 1, 6, 5, 4], ended);
        Assert.Equal([10, 20, 30, 40, 50, 60], run.Output);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public void A_failed_item_is_an_error_naming_its_input_in_its_turn_and_the_others_go_on()
    {
        var script = new BatchScript
        {
            Work = (i, _) => i == 2 ? Task.FromException<int>(new InvalidDataException("item 2 failed")) : Task.FromResult(i * 10),
        };

        // -1 cannot even be prepared (the test cmdlet refuses negative input): its failure takes its place too.
        var run = Run(script, [1, 2, -1, 4], throttleLimit: 2);

        Assert.Equal([10, 40], run.Output);
        Assert.Equal(2, run.Errors.Count);
        Assert.Equal(2, run.Errors[0].TargetObject);
        Assert.Contains("item 2 failed", run.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(-1, run.Errors[1].TargetObject);
        Assert.Contains("negative", run.Errors[1].ToString(), StringComparison.Ordinal);

        var last = run.Progress[^1];
        Assert.Equal(ProgressRecordType.Completed, last.RecordType);
        Assert.Equal("4 of 4 done, 2 failed", last.StatusDescription);
        Assert.Equal(100, last.PercentComplete);
        Assert.Single(run.Progress.Select(p => p.ActivityId).Distinct());
        Assert.All(run.Progress, p => Assert.Equal("Test batch", p.Activity));
    }

    [Fact]
    public void WhatIf_starts_nothing()
    {
        var started = 0;
        var script = new BatchScript { Work = (i, _) => { Interlocked.Increment(ref started); return Task.FromResult(i); } };

        var run = Run(script, [1, 2, 3], throttleLimit: 2, whatIf: true);

        Assert.Equal(0, started);
        Assert.Empty(run.Output);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public async Task Reads_no_input_while_the_window_is_full_and_Stop_cancels_every_item_in_flight()
    {
        var read = 0;
        using var fourStarted = new SemaphoreSlim(0);
        using var fifthRead = new SemaphoreSlim(0);
        var tokens = new ConcurrentQueue<CancellationToken>();
        var ended = new ConcurrentQueue<int>();
        var script = new BatchScript
        {
            Read = i =>
            {
                Interlocked.Increment(ref read);
                if (i == 5)
                {
                    fifthRead.Release();
                }
            },
            Work = (i, ct) =>
            {
                tokens.Enqueue(ct);
                if (tokens.Count == 4)
                {
                    fourStarted.Release();
                }

                return Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { ended.Enqueue(i); return i; }, TaskScheduler.Default);
            },
        };

        using var ps = NewPowerShell(script, Enumerable.Range(1, 100), throttleLimit: 4, whatIf: false);
        var invocation = ps.BeginInvoke();
        Assert.True(await fourStarted.WaitAsync(TimeSpan.FromSeconds(30)), "four items start");
        Assert.True(await fifthRead.WaitAsync(TimeSpan.FromSeconds(30)), "the fifth input is read and waits for room");

        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop);

        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(invocation));
        Assert.Equal(5, read);
        Assert.Equal(4, tokens.Count);
        Assert.All(tokens, ct => Assert.True(ct.IsCancellationRequested, "every item in flight was cancelled"));
        Assert.Equal([1, 2, 3, 4], ended.Order());
    }

    [Fact]
    public void An_error_that_stops_the_pipeline_cancels_every_item_in_flight()
    {
        // Item 1 fails once item 3 has started; items 2 and 3 run until cancelled.
        var first = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = new ConcurrentDictionary<int, CancellationToken>();
        var ended = new ConcurrentQueue<int>();
        var script = new BatchScript
        {
            Work = (i, ct) =>
            {
                tokens[i] = ct;
                if (i == 1)
                {
                    return first.Task;
                }

                if (i == 3)
                {
                    first.SetException(new InvalidDataException("item 1 failed"));
                }

                return Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { ended.Enqueue(i); return i; }, TaskScheduler.Default);
            },
        };

        var stopped = Assert.ThrowsAny<RuntimeException>(() => Run(script, [1, 2, 3, 4, 5], throttleLimit: 3, errorAction: ActionPreference.Stop));

        Assert.Contains("item 1 failed", stopped.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], tokens.Keys.Order());
        Assert.True(tokens[2].IsCancellationRequested);
        Assert.True(tokens[3].IsCancellationRequested);
        Assert.Equal([2, 3], ended.Order());   // ended before the error went on: each was told, and waited for
    }

    private sealed record Outcome(List<int> Output, List<ErrorRecord> Errors, List<ProgressRecord> Progress);

    private static Outcome Run(BatchScript script, IEnumerable<int> input, int throttleLimit, bool whatIf = false, ActionPreference? errorAction = null)
    {
        using var ps = NewPowerShell(script, input, throttleLimit, whatIf, errorAction);
        var output = ps.Invoke().Select(o => (int)o.BaseObject).ToList();
        return new Outcome(output, [.. ps.Streams.Error], [.. ps.Streams.Progress]);
    }

    private static PowerShell NewPowerShell(BatchScript script, IEnumerable<int> input, int throttleLimit, bool whatIf, ActionPreference? errorAction = null)
    {
        var state = InitialSessionState.CreateDefault();
        state.Commands.Add(new SessionStateCmdletEntry("Invoke-TestBatch", typeof(InvokeTestBatchCommand), null));
        var ps = PowerShell.Create(state);

        // The input comes through a script upstream, so it is read one item at a time, as the batch asks for it.
        ps.AddScript("param($Items, $Script) foreach ($i in $Items) { $Script.Read.Invoke($i); $i }")
            .AddParameter("Items", input.ToArray()).AddParameter("Script", script)
            .AddCommand("Invoke-TestBatch").AddParameter("Script", script).AddParameter("ThrottleLimit", throttleLimit);
        if (whatIf)
        {
            ps.AddParameter("WhatIf");
        }

        if (errorAction is { } action)
        {
            ps.AddParameter("ErrorAction", action);
        }

        return ps;
    }
}

/// <summary>What the test cmdlet does with each input: its work, and what upstream does as it reads one.</summary>
public sealed class BatchScript
{
    public Func<int, CancellationToken, Task<int>> Work { get; init; } = (i, _) => Task.FromResult(i);

    public Action<int> Read { get; init; } = _ => { };
}

/// <summary>A cmdlet that only binds and writes, as Invoke-McpTool does: each piped number is one item of a batch.</summary>
[Cmdlet("Invoke", "TestBatch", SupportsShouldProcess = true)]
public sealed class InvokeTestBatchCommand : AgwCmdlet
{
    private PipelineBatch<int, int>? _batch;

    [Parameter(ValueFromPipeline = true, Mandatory = true)]
    public int InputObject { get; set; }

    [Parameter(Mandatory = true)]
    public BatchScript Script { get; set; } = null!;

    [Parameter]
    public int ThrottleLimit { get; set; } = 2;

    protected override void ProcessRecord()
    {
        _batch ??= new PipelineBatch<int, int>(this, ThrottleLimit, "Test batch", i => i, (_, result) => WriteObject(result));
        var input = InputObject;
        _batch.Add(
            input,
            () => input >= 0 ? input : throw new ArgumentException("The test cmdlet takes no negative number."),
            i => ShouldProcess($"item {i}", "Run") ? ct => Script.Work(i, ct) : null);
    }

    protected override void EndProcessing()
    {
        _batch?.Complete();
        base.EndProcessing();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _batch?.Dispose();
        }

        base.Dispose(disposing);
    }
}
