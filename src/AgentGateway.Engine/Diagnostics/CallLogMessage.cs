using System.Runtime.CompilerServices;

namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// A line of the call log as it is written: an interpolated string handler that first asks the sink (the current flow's,
/// or the one given) whether it shows <typeparamref name="TLevel"/>; only then are the holes evaluated and formatted.
/// </summary>
[InterpolatedStringHandler]
internal ref struct CallLogMessage<TLevel>
    where TLevel : ICallLogLevel
{
    private readonly ICallLogSink? _sink;
    private DefaultInterpolatedStringHandler _text;

    /// <summary>A line for the current flow's sink.</summary>
    public CallLogMessage(int literalLength, int formattedCount, out bool isEnabled)
        : this(literalLength, formattedCount, CallLog.Current, null, out isEnabled)
    {
    }

    /// <summary>A line for the current flow's sink, its holes formatted with <paramref name="provider"/>.</summary>
    public CallLogMessage(int literalLength, int formattedCount, IFormatProvider? provider, out bool isEnabled)
        : this(literalLength, formattedCount, CallLog.Current, provider, out isEnabled)
    {
    }

    /// <summary>A line for <paramref name="sink"/>.</summary>
    public CallLogMessage(int literalLength, int formattedCount, ICallLogSink? sink, out bool isEnabled)
        : this(literalLength, formattedCount, sink, null, out isEnabled)
    {
    }

    private CallLogMessage(int literalLength, int formattedCount, ICallLogSink? sink, IFormatProvider? provider, out bool isEnabled)
    {
        _sink = sink is not null && sink.Shows(TLevel.Level) ? sink : null;
        isEnabled = _sink is not null;
        _text = isEnabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, provider) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public void AppendFormatted<T>(T value, int alignment) => _text.AppendFormatted(value, alignment);

    public void AppendFormatted<T>(T value, int alignment, string? format) => _text.AppendFormatted(value, alignment, format);

    public void AppendFormatted(ReadOnlySpan<char> value) => _text.AppendFormatted(value);

    public void AppendFormatted(string? value) => _text.AppendFormatted(value);

    /// <summary>Hands the line to the sink, if it shows the level (otherwise nothing was formatted).</summary>
    internal void Send()
    {
        if (_sink is null)
        {
            return;
        }

        var line = _text.ToStringAndClear();
        if (TLevel.Level == CallLogLevel.Debug)
        {
            _sink.Debug(line);
        }
        else
        {
            _sink.Verbose(line);
        }
    }
}

/// <summary>A level as a type, for <see cref="CallLogMessage{TLevel}"/>.</summary>
internal interface ICallLogLevel
{
    static abstract CallLogLevel Level { get; }
}

/// <summary>The verbose stream.</summary>
internal readonly struct VerboseLevel : ICallLogLevel
{
    public static CallLogLevel Level => CallLogLevel.Verbose;
}

/// <summary>The debug stream.</summary>
internal readonly struct DebugLevel : ICallLogLevel
{
    public static CallLogLevel Level => CallLogLevel.Debug;
}
