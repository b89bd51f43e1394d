using System.Diagnostics;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>One debug line per HTTP attempt (method, URL, status, HTTP version, time), when a call log listens.</summary>
internal sealed class McpHttpLogHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (CallLog.Current is not null)
        {
            CallLog.Debug($"HTTP {request.Method} {request.RequestUri} -> {(int)response.StatusCode} {response.StatusCode} (HTTP/{response.Version}) in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms.");
        }

        return response;
    }
}
