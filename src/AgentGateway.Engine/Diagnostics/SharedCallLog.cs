namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// The log of work that several callers share and none owns (a single-flight token fetch): the work writes to it
/// as its ambient <see cref="CallLog"/>, and each caller waiting for the work attaches its own sink for as long as
/// it waits. A sink attached late first gets the lines written so far (a caller that joined the work sees its whole
/// story), then each later line as it is written, in order. Lines are kept (a bounded number) for callers that join.
/// </summary>
internal sealed class SharedCallLog : ICallLogSink
{
    /// <summary>How many lines are kept for callers that attach later (a fetch writes a few per attempt).</summary>
    public const int MaxKeptLines = 64;

    private readonly Lock _gate = new();
    private readonly List<(bool Debug, string Message)> _lines = [];
    private ICallLogSink[] _sinks = [];

    /// <inheritdoc/>
    public void Verbose(string message) => Write(debug: false, message);

    /// <inheritdoc/>
    public void Debug(string message) => Write(debug: true, message);

    /// <summary>
    /// Sends the lines so far, then every later one, to <paramref name="sink"/> until the returned scope is disposed
    /// (when the caller stops waiting, however that ends). A null sink (no one listening) attaches nothing.
    /// </summary>
    public IDisposable Attach(ICallLogSink? sink)
    {
        if (sink is null)
        {
            return Detached.Instance;
        }

        lock (_gate)
        {
            // Under the lock: no line is missed or sent twice between the replay and the subscription. A sink already
            // attached (two waits of one cmdlet on one fetch) has had the lines, and gets each later one once.
            if (Array.IndexOf(_sinks, sink) < 0)
            {
                foreach (var (debug, message) in _lines)
                {
                    Send(sink, debug, message);
                }
            }

            _sinks = [.. _sinks, sink];
        }

        return new Attachment(this, sink);
    }

    private void Write(bool debug, string message)
    {
        lock (_gate)
        {
            if (_lines.Count < MaxKeptLines)
            {
                _lines.Add((debug, message));
            }

            // Sinks only queue the line for their caller's thread, so sending under the lock is cheap and keeps order.
            for (var i = 0; i < _sinks.Length; i++)
            {
                if (Array.IndexOf(_sinks, _sinks[i]) == i)
                {
                    Send(_sinks[i], debug, message);
                }
            }
        }
    }

    private static void Send(ICallLogSink sink, bool debug, string message)
    {
        if (debug)
        {
            sink.Debug(message);
        }
        else
        {
            sink.Verbose(message);
        }
    }

    private void Detach(ICallLogSink sink)
    {
        lock (_gate)
        {
            var at = Array.IndexOf(_sinks, sink);
            if (at >= 0)
            {
                _sinks = [.. _sinks.AsSpan(0, at), .. _sinks.AsSpan(at + 1)];
            }
        }
    }

    private sealed class Attachment(SharedCallLog log, ICallLogSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                log.Detach(sink);
            }
        }
    }

    private sealed class Detached : IDisposable
    {
        public static readonly Detached Instance = new();

        public void Dispose()
        {
        }
    }
}
