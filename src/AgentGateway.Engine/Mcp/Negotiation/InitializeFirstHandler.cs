using System.Net;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Negotiation;

/// <summary>
/// Answers the SDK's <c>server/discover</c> probe with 404 without sending it. Why: the SDK either pins one
/// <c>initialize</c> revision exactly (and fails on a server that answers an older one) or, unpinned, probes
/// <c>server/discover</c> first and then takes any revision the server answers <c>initialize</c> with. Answering the
/// probe here (404 is what the SDK reads as "this server needs initialize") gives the second behaviour at the cost
/// of the initialize alone; <see cref="McpNegotiation"/> asks the real question later, only where it matters.
/// </summary>
internal sealed class InitializeFirstHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post
            && request.Headers.TryGetValues("Mcp-Method", out var methods)
            && methods.Contains(RequestMethods.ServerDiscover, StringComparer.Ordinal))
        {
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request, Content = new ByteArrayContent([]) });
        }

        return base.SendAsync(request, cancellationToken);
    }
}
