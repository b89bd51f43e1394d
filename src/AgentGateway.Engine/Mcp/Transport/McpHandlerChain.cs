namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The one place where the handlers of an MCP client's requests are put together, outermost first; each does one
/// job. The SDK's transport sends through the first; the last hands the request to <c>inner</c> (the response
/// guard over the pooled connection handler).
/// </summary>
internal static class McpHandlerChain
{
    /// <param name="auth">Which token goes to which origin.</param>
    /// <param name="transientRetries">How often an idempotent request is resent after a transient failure (0: never).</param>
    /// <param name="transientRetryDelay">The first delay between such attempts (exponential, with jitter).</param>
    /// <param name="inner">What sends the request on.</param>
    /// <param name="quota">The endpoint's push-back handling (its limiter of requests in flight, the 429 waits); none when null.</param>
    public static DelegatingHandler Create(McpAuth auth, int transientRetries, TimeSpan transientRetryDelay, HttpMessageHandler inner, McpQuotaHandler? quota = null)
    {
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentNullException.ThrowIfNull(inner);
        DelegatingHandler[] chain =
        [
            new McpTransportRuleHandler(auth),          // plain http only to loopback; HTTP/2 over https where offered
            new McpCorrelationHandler(),                // x-correlation-id
            new McpRpcRequestHandler(),                 // the body buffered (a resend is identical), its JSON-RPC method and id read once
            new McpTraceContextHandler(),               // traceparent: the header, and params._meta
            new McpResponseTranslationHandler(auth),    // a final 401/403, a forgotten session: thrown as what they are
            quota ?? (DelegatingHandler)new PassThroughHandler(), // the endpoint's limiter of requests in flight; a 429 (a 503 + Retry-After when safe) waited out and resent
            new McpTransientRetryHandler(transientRetries, transientRetryDelay), // initialize, tools/list, ping: bounded retries
            new McpTokenRenewalHandler(auth),           // 401 with a provider token: that token dropped, resent once
            new McpBearerHandler(auth),                 // the bearer of this origin, if any
            new McpHttpLogHandler(),                    // one debug line per HTTP attempt
        ];
        for (var i = 0; i < chain.Length; i++)
        {
            chain[i].InnerHandler = i + 1 < chain.Length ? chain[i + 1] : inner;
        }

        return chain[0];
    }

    private sealed class PassThroughHandler : DelegatingHandler;
}
