using AgentGateway.Engine.Mcp;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Mcp.Calls;

public class McpCallClockTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void Runs_out_after_its_limit()
    {
        using var clock = new McpCallClock(TimeSpan.FromSeconds(10), _time);

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(clock.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(clock.Token.IsCancellationRequested);
        Assert.True(clock.IsExpired);
    }

    [Fact]
    public void Stops_while_paused_and_goes_on_with_the_time_that_was_left()
    {
        using var clock = new McpCallClock(TimeSpan.FromSeconds(10), _time);
        _time.Advance(TimeSpan.FromSeconds(6));

        using (clock.Pause())
        {
            using (clock.Pause())
            {
                _time.Advance(TimeSpan.FromMinutes(5));
            }

            _time.Advance(TimeSpan.FromMinutes(5)); // still paused: pauses nest
            Assert.False(clock.IsExpired);
        }

        _time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.False(clock.IsExpired);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(clock.IsExpired);
    }

    [Fact]
    public void An_infinite_limit_never_runs_out_and_is_the_current_clock_in_its_scope()
    {
        using var clock = new McpCallClock(Timeout.InfiniteTimeSpan, _time);
        using (clock.Use())
        {
            Assert.Same(clock, McpCallClock.Current);
            _time.Advance(TimeSpan.FromDays(2));
        }

        Assert.False(clock.IsExpired);
        Assert.Null(McpCallClock.Current);
    }
}
