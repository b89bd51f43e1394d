using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tests.Tokens;

namespace AgentGateway.Engine.Tests.Diagnostics;

public sealed class SharedCallLogTests
{
    [Fact]
    public void A_sink_attached_late_gets_the_lines_so_far_then_the_later_ones_in_order()
    {
        var log = new SharedCallLog();
        var early = new RecordingSink();
        var late = new RecordingSink();
        using var first = log.Attach(early);
        log.Verbose("one");
        log.Debug("two");
        using (log.Attach(late))
        {
            log.Verbose("three");
        }

        log.Verbose("four");

        Assert.Equal(["one", "two", "three", "four"], early.Messages);
        Assert.Equal(["one", "two", "three"], late.Messages);
    }

    [Fact]
    public void A_sink_attached_twice_gets_each_line_once_until_its_last_attachment_ends()
    {
        var log = new SharedCallLog();
        var sink = new RecordingSink();
        log.Verbose("before");
        var a = log.Attach(sink);
        var b = log.Attach(sink);
        log.Verbose("both");
        a.Dispose();
        a.Dispose();
        log.Verbose("one left");
        b.Dispose();
        log.Verbose("none");

        Assert.Equal(["before", "both", "one left"], sink.Messages);
    }

    [Fact]
    public void Lines_beyond_the_kept_number_still_reach_attached_sinks_but_not_late_ones()
    {
        var log = new SharedCallLog();
        var sink = new RecordingSink();
        using var _ = log.Attach(sink);
        for (var i = 0; i < SharedCallLog.MaxKeptLines + 5; i++)
        {
            log.Verbose($"line {i}");
        }

        var late = new RecordingSink();
        using var __ = log.Attach(late);
        Assert.Equal(SharedCallLog.MaxKeptLines + 5, sink.Messages.Count);
        Assert.Equal(SharedCallLog.MaxKeptLines, late.Messages.Count);
        Assert.Same(log.Attach(null), log.Attach(null));
    }
}
