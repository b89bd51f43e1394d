using System.Globalization;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tests.Tokens;

namespace AgentGateway.Engine.Tests.Diagnostics;

/// <summary>A call-log line is formatted only when someone listens: no sink, or a sink that does not show its level, evaluates no hole.</summary>
public sealed class CallLogTests
{
    [Fact]
    public void Without_a_sink_no_hole_is_evaluated()
    {
        var evaluated = 0;
        using (CallLog.Use(null))
        {
            CallLog.Verbose($"verbose {Count(ref evaluated)}");
            CallLog.Debug($"debug {Count(ref evaluated)}");
            CallLog.Verbose(CultureInfo.InvariantCulture, $"invariant {Count(ref evaluated)}");
        }

        Assert.Equal(0, evaluated);
    }

    [Fact]
    public void A_sink_gets_only_the_levels_it_shows_and_the_others_are_not_formatted()
    {
        var evaluated = 0;
        var sink = new VerboseOnlySink();
        using (CallLog.Use(sink))
        {
            CallLog.Verbose($"verbose {Count(ref evaluated)}");
            CallLog.Debug($"debug {Count(ref evaluated)}");
        }

        Assert.Equal(1, evaluated);
        Assert.Equal(["verbose 1"], sink.Lines);
    }

    [Fact]
    public void A_sink_given_by_hand_is_written_to_and_the_provider_formats_the_holes()
    {
        var sink = new RecordingSink();
        CallLog.Verbose(sink, $"to the given sink");
        using (CallLog.Use(sink))
        {
            CallLog.Verbose(new CultureInfo("de-DE"), $"{1.5:0.0}");
            CallLog.Verbose(CultureInfo.InvariantCulture, $"{1.5:0.0}");
        }

        Assert.Equal(["to the given sink", "1,5", "1.5"], sink.Messages);
    }

    private static int Count(ref int evaluated) => ++evaluated;

    private sealed class VerboseOnlySink : ICallLogSink
    {
        public List<string> Lines { get; } = [];

        public void Verbose(string message) => Lines.Add(message);

        public void Debug(string message) => Lines.Add(message);

        public bool Shows(CallLogLevel level) => level == CallLogLevel.Verbose;
    }
}
