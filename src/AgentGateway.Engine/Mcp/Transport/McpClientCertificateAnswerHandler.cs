namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>Notes in the pool's <see cref="McpClientCertificateLog"/> that an answer came back (any status): the TLS connection was accepted.</summary>
internal sealed class McpClientCertificateAnswerHandler(McpClientCertificateLog log, string? certificateKey) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.RequestUri is { } uri)
        {
            log.Answered(uri.Host, certificateKey);
        }

        return response;
    }
}
