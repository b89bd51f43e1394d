using System.Diagnostics;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>One debug line per HTTP attempt (method, URL, status, HTTP version, time), when a call log listens.</summary>
internal sealed class McpHttpLogHandler : DelegatingHandler
{
    // With no call log listening the request passes without a state machine of this handler (fewer methods to JIT on a
    // first call); the log is an AsyncLocal, so what is listening after the send is what was listening before it.
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallLog.Current is null ? base.SendAsync(request, cancellationToken) : SendLoggedAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendLoggedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (CallLog.Current is not null)
        {
            CallLog.Debug($"HTTP {request.Method} {request.RequestUri} -> {(int)response.StatusCode} {response.StatusCode} (HTTP/{response.Version}) in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms.");
        }

        return response;
    }
}
