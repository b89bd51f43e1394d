namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>Sends the correlation id of the current call (<see cref="McpCorrelation.Current"/>, else a new one) as <c>x-correlation-id</c>.</summary>
internal sealed class McpCorrelationHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove(McpCorrelation.HeaderName);
        request.Headers.TryAddWithoutValidation(McpCorrelation.HeaderName, McpCorrelation.Current ?? Guid.NewGuid().ToString("D"));
        return base.SendAsync(request, cancellationToken);
    }
}
