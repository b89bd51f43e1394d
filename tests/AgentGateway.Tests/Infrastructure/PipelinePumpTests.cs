using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>The pump that lets async work write on the pipeline thread: what it runs where, what it keeps and drops.</summary>
public sealed class PipelinePumpTests
{
    [Fact]
    public void Runs_what_the_work_posts_from_other_threads_on_the_calling_thread_and_returns_the_result()
    {
        var pump = new PipelinePump();
        var ranOn = new List<int>();
        var result = pump.Run(async () =>
        {
            await Task.Yield();
            await Task.Run(() =>
            {
                for (var i = 0; i < 3; i++)
                {
                    pump.Post(() => ranOn.Add(Environment.CurrentManagedThreadId));
                }
            });
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Equal(3, ranOn.Count);
        Assert.All(ranOn, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
    }

    [Fact]
    public void What_is_posted_just_before_the_work_ends_still_runs_before_Run_returns()
    {
        var pump = new PipelinePump();
        var ran = false;
        pump.Run(() => Task.Run(() =>
        {
            pump.Post(() => ran = true);
            return 0;
        }));

        Assert.True(ran);
    }

    [Fact]
    public void The_work_failure_is_thrown_as_itself()
    {
        var pump = new PipelinePump();
        Assert.Throws<InvalidDataException>(() => pump.Run<int>(async () =>
        {
            await Task.Yield();
            throw new InvalidDataException("failed");
        }));
        Assert.Throws<FormatException>(() => pump.Run<int>(() => throw new FormatException("at once")));
    }

    [Fact]
    public void A_posted_action_that_throws_ends_the_run_with_its_exception()
    {
        var pump = new PipelinePump();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Throws<InvalidOperationException>(() => pump.Run(() =>
        {
            pump.Post(() => throw new InvalidOperationException("a write failed"));
            return gate.Task;
        }));
    }

    [Fact]
    public void What_is_posted_outside_a_run_is_dropped_unless_held()
    {
        var pump = new PipelinePump();
        var ran = new List<string>();
        pump.Post(() => ran.Add("outside"));
        pump.Drain();
        pump.Run(() => Task.FromResult(0));
        Assert.Empty(ran);

        // Held: work in flight between two runs (calls of a batch) posts; the next run writes it, in order.
        pump.Held = true;
        pump.Post(() => ran.Add("between 1"));
        pump.Post(() => ran.Add("between 2"));
        Assert.Empty(ran);
        pump.Run(() => Task.FromResult(0));
        Assert.Equal(["between 1", "between 2"], ran);

        // Released: what was kept and not yet run is dropped, and what comes after too.
        pump.Post(() => ran.Add("kept, then dropped"));
        pump.Held = false;
        pump.Post(() => ran.Add("after"));
        pump.Run(() => Task.FromResult(0));
        Assert.Equal(["between 1", "between 2"], ran);
    }

    [Fact]
    public async Task Drain_runs_what_was_held_on_the_calling_thread()
    {
        var pump = new PipelinePump { Held = true };
        var ranOn = -1;
        await Task.Run(() => pump.Post(() => ranOn = Environment.CurrentManagedThreadId));
        Assert.Equal(-1, ranOn);
        pump.Drain();
        Assert.Equal(Environment.CurrentManagedThreadId, ranOn);
    }
}
