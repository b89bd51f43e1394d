using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// What the module tells a host's tracing and metrics, through System.Diagnostics alone (an OpenTelemetry listener in
/// the host, or <c>dotnet-counters</c>, picks them up by the name <see cref="Name"/>): an Activity per MCP operation
/// and token request (<see cref="Source"/>), and the instruments of <see cref="Meter"/>. Trace context: every request
/// the module makes carries a W3C <c>traceparent</c>, of <see cref="Activity.Current"/> when there is one, else of the
/// trace of the current cmdlet call (<see cref="BeginTrace"/>). No token, argument or result value goes into a span or
/// a metric: tool and server names, methods, status and durations only.
/// </summary>
public static class AgwTelemetry
{
    /// <summary>The name of the ActivitySource and of the Meter.</summary>
    public const string Name = "AgentGateway";

    /// <summary>The W3C trace context header.</summary>
    public const string TraceParentHeader = "traceparent";

    private static readonly string? s_version = typeof(AgwTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>The module's activities: <c>mcp tools/call</c>, <c>mcp tools/list</c>, <c>token request</c>.</summary>
    public static readonly ActivitySource Source = new(Name, s_version);

    /// <summary>The module's metrics.</summary>
    public static readonly Meter Meter = new(Name, s_version);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>("agw.mcp.calls", "{call}", "MCP operations (tools/call, tools/list), tagged with mcp.method and outcome.");
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("agw.mcp.duration", "ms", "How long an MCP operation took, tagged with mcp.method.");
    internal static readonly Counter<long> TokenRequests = Meter.CreateCounter<long>("agw.token.requests", "{request}", "Requests to the token service (each attempt).");
    internal static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("agw.cache.hits", "{hit}", "Answers from a cache instead of the network, tagged with cache (listing, session).");
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("agw.retries", "{retry}", "Requests sent again, tagged with reason (session-gone, header-mismatch, check-failed).");

    private static readonly Ambient<TraceHolder> s_trace = new();

    /// <summary>The trace id of the current async flow: of <see cref="Activity.Current"/>, else of the cmdlet call's trace; null outside both.</summary>
    public static string? CurrentTraceId =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : s_trace.Current?.TraceId.ToHexString();

    /// <summary>A new trace, for one cmdlet call (kept by the cmdlet, begun by each of its steps).</summary>
    public static object NewTrace() => new TraceHolder(ActivityTraceId.CreateRandom());

    /// <summary>
    /// Makes <paramref name="trace"/> (from <see cref="NewTrace"/>) the trace of the flow until the scope ends, unless
    /// the flow has one already (a trace begun before): the requests made meanwhile carry it (when there is no
    /// current Activity, whose trace comes first).
    /// </summary>
    public static IDisposable BeginTrace(object trace) =>
        s_trace.Current is null && trace is TraceHolder holder ? s_trace.Use(holder) : default(Ambient<TraceHolder>.Scope);

    /// <summary>An Activity of <see cref="Source"/> when someone listens, in the cmdlet call's trace when there is no current Activity.</summary>
    internal static Activity? StartActivity(string name, ActivityKind kind = ActivityKind.Client)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        if (Activity.Current is null && s_trace.Current is { } trace)
        {
            return Source.StartActivity(name, kind, new ActivityContext(trace.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
        }

        return Source.StartActivity(name, kind);
    }

    /// <summary>
    /// The <c>traceparent</c> for one outgoing request: the current Activity's, else a new span in the cmdlet call's
    /// trace, else a trace of its own.
    /// </summary>
    internal static string TraceParent()
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return activity.Id!;
        }

        var trace = s_trace.Current?.TraceId ?? ActivityTraceId.CreateRandom();
        return $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
    }

    private sealed record TraceHolder(ActivityTraceId TraceId);
}
