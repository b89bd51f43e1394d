using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Resends the requests that have no side effects (initialize, tools/list, ping) after a transient failure (a
/// connection error, a 5xx), a bounded number of times with exponential backoff. A tools/call is never resent here,
/// nor anything after a certificate or TLS trust failure (another attempt meets the same certificate), nor once the
/// caller cancelled.
/// </summary>
internal sealed class McpTransientRetryHandler : McpPolicyHandler
{
    public McpTransientRetryHandler(int retries, TimeSpan delay)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "mcp-transient",
                MaxRetryAttempts = retries,
                Delay = delay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = delay > TimeSpan.Zero,
                ShouldHandle = static args => new ValueTask<bool>(IsRetryableTransient(args.Context, args.Outcome)),
                OnRetry = static args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    var what = args.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : args.Outcome.Exception?.GetType().Name;
                    CallLog.Verbose($"MCP {McpRpcRequestHandler.MethodOf(request)} to {request.RequestUri?.GetLeftPart(UriPartial.Path)} failed ({what}); retry {args.AttemptNumber + 1}.");
                    return default;
                },
            });
        }

        Pipeline = builder.Build();
    }

    /// <summary>
    /// The JSON-RPC methods that may be resent after a transient failure or a 503 (no side effects): negotiation,
    /// listings, reads and completions; never a tools/call.
    /// </summary>
    internal static bool IsIdempotent(string? rpcMethod) =>
        rpcMethod is "initialize" or "server/discover" or "ping"
            or "tools/list" or "resources/list" or "resources/templates/list" or "resources/read"
            or "prompts/list" or "prompts/get" or "completion/complete";

    protected override ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    private static bool IsRetryableTransient(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        var request = context.Properties.GetValue(RequestKey, null!);
        if (!IsIdempotent(McpRpcRequestHandler.MethodOf(request)) || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return (outcome.Exception is HttpRequestException { HttpRequestError: not HttpRequestError.SecureConnectionError } and not HttpProxyException { ProxyAuthenticationRequired: true })
            || (outcome.Result is { } response && (int)response.StatusCode >= 500);
    }
}
