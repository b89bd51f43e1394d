using System.Diagnostics.Tracing;

namespace AgentGateway.CallPathBench;

/// <summary>
/// Counts the HTTPS connections this process opens while it lives, by HTTP version, from the
/// System.Net.Http event source (ConnectionEstablished); plain-HTTP ones (the sandbox admin API) are not counted. The sandbox counts only the token service's
/// TLS handshakes; this sees the gateway's connections too.
/// </summary>
public sealed class HttpConnectionCounter : EventListener
{
    private long _http1;
    private long _http2;
    private long _other;

    public long Http1Connections => Interlocked.Read(ref _http1);

    public long Http2Connections => Interlocked.Read(ref _http2);

    public long OtherConnections => Interlocked.Read(ref _other);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "System.Net.Http")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.EventName != "ConnectionEstablished" || eventData.PayloadNames is null)
        {
            return;
        }

        var scheme = eventData.PayloadNames.IndexOf("scheme");
        if (scheme < 0 || eventData.Payload?[scheme] as string != "https")
        {
            return;
        }

        var index = eventData.PayloadNames.IndexOf("versionMajor");
        var major = index >= 0 && eventData.Payload is { } payload ? Convert.ToInt32(payload[index], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _ = major switch
        {
            1 => Interlocked.Increment(ref _http1),
            2 => Interlocked.Increment(ref _http2),
            _ => Interlocked.Increment(ref _other),
        };
    }
}
