using Polly;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A handler that sends through a Polly pipeline (a policy: the transient retry, the 401 renewal). The request is
/// in the pipeline's context (<see cref="RequestKey"/>) for the policy's decisions.
/// </summary>
internal abstract class McpPolicyHandler : DelegatingHandler
{
    /// <summary>The request being sent, in the pipeline's context.</summary>
    protected static ResiliencePropertyKey<HttpRequestMessage> RequestKey => new("AgentGateway.Mcp.Request");

    /// <summary>The policy; built by the derived handler.</summary>
    protected abstract ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(RequestKey, request);
            return await Pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<HttpResponseMessage>(state.Self.SendOnceAsync(state.Request, ctx.CancellationToken)),
                context,
                (Self: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
