using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tests.Runspace;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Diagnostics;

/// <summary>
/// Trace context on every request, against the sandbox (which records the last <c>traceparent</c> header, the last
/// <c>params._meta.traceparent</c> and the token service's header), and the module's activities and metrics as a
/// System.Diagnostics listener in a host sees them.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class TraceContextTests : IDisposable
{
    private const string Secret = "argument-value-never-in-telemetry";
    private readonly SandboxGateway _sandbox;
    private readonly SandboxRunspace _runspace;
    private readonly RunspaceState _session;
    private readonly Uri _endpoint;

    public TraceContextTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _runspace = new SandboxRunspace(_sandbox);
        _session = _runspace.State;
        _endpoint = _sandbox.McpEndpoint(_sandbox.Server("sandbox-modern"));
    }

    public void Dispose()
    {
        _runspace.Dispose();
    }

    private async Task<McpCallResult> CallAsync() =>
        await (await _session.PrepareCallAsync(new McpCallRequest { ToolName = "echo", Uri = _endpoint, Arguments = new Dictionary<string, object?> { ["message"] = Secret } })).InvokeAsync();

    private static string TraceIdOf(string? traceParent)
    {
        Assert.NotNull(traceParent);
        var parts = traceParent.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal("00", parts[0]);
        return parts[1];
    }

    [Fact]
    public async Task Without_an_activity_every_request_of_a_cmdlet_call_carries_its_trace_in_the_header_and_in_meta_the_token_service_too()
    {
        string? traceId;
        using (AgwTelemetry.BeginTrace(AgwTelemetry.NewTrace()))
        {
            traceId = AgwTelemetry.CurrentTraceId;
            await Task.Run(CallAsync); // a flow of its own, as the engine's work is
        }

        Assert.NotNull(traceId);
        Assert.Equal(traceId, TraceIdOf(_sandbox.LastTraceParent));
        Assert.Equal(traceId, TraceIdOf(_sandbox.LastMetaTraceParent));
        Assert.Equal(32, TraceIdOf(_sandbox.LastTokenTraceParent).Length); // the token fetch belongs to no caller, but has a trace
    }

    [Fact]
    public async Task A_current_activity_of_the_host_gives_the_trace()
    {
        using var host = new Activity("host operation").SetIdFormat(ActivityIdFormat.W3C).Start();

        await CallAsync();

        Assert.Equal(host.TraceId.ToHexString(), TraceIdOf(_sandbox.LastTraceParent));
        Assert.Equal(host.TraceId.ToHexString(), TraceIdOf(_sandbox.LastMetaTraceParent));
    }

    [Fact]
    public async Task A_listener_sees_the_module_activities_and_metrics_without_argument_values()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgwTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(activityListener);
        var measurements = new ConcurrentQueue<(string Instrument, KeyValuePair<string, object?>[] Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AgwTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => measurements.Enqueue((instrument.Name, tags.ToArray())));
        meterListener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => measurements.Enqueue((instrument.Name, tags.ToArray())));
        meterListener.Start();

        string? traceId;
        using (AgwTelemetry.BeginTrace(AgwTelemetry.NewTrace()))
        {
            traceId = AgwTelemetry.CurrentTraceId;
            await CallAsync();
        }

        var ours = activities.Where(a => a.TraceId.ToHexString() == traceId).ToArray();
        Assert.Contains(ours, a => a.DisplayName == "mcp tools/call" && (string?)a.GetTagItem("outcome") == "ok");
        Assert.Equal(TraceIdOf(_sandbox.LastTraceParent), traceId);
        Assert.Contains(measurements, m => m.Instrument == "agw.mcp.calls" && m.Tags.Contains(new("mcp.method", "tools/call")));
        Assert.Contains(measurements, m => m.Instrument == "agw.mcp.duration");
        Assert.DoesNotContain(ours.SelectMany(a => a.TagObjects), t => t.Value?.ToString()?.Contains(Secret, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(measurements.SelectMany(m => m.Tags), t => t.Value?.ToString()?.Contains(Secret, StringComparison.Ordinal) == true);
    }
}
