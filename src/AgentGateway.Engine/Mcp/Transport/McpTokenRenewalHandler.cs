using System.Net;
using AgentGateway.Engine.Diagnostics;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The 401 policy (apart from the bearer, as Duende's token management keeps them): a 401 to a request sent with a
/// provider token drops that token from the cache (only if it is still the cached one) and resends the request
/// once, identical, with a fresh token (<see cref="McpBearerHandler"/> attaches it). A second 401 is answered as it
/// is; <see cref="McpResponseTranslationHandler"/> makes it an error. <see cref="RenewedKey"/> says it happened.
/// </summary>
internal sealed class McpTokenRenewalHandler : McpPolicyHandler
{
    public McpTokenRenewalHandler(McpAuth auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "mcp-401-renew",
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = static args => new ValueTask<bool>(
                    args.Outcome.Result?.StatusCode == HttpStatusCode.Unauthorized
                    && args.Context.Properties.GetValue(RequestKey, null!).Options.TryGetValue(McpBearerHandler.SentTokenKey, out _)),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    if (!request.Options.TryGetValue(McpBearerHandler.SentTokenKey, out var rejected))
                    {
                        return default;
                    }

                    auth.TokenSource!.Invalidate(auth.UserJwt, auth.UserKey, rejected);
                    request.Options.Set(RenewedKey, true);
                    CallLog.Verbose($"MCP {McpRpcRequestHandler.MethodOf(request) ?? request.Method.Method} got 401 with {rejected.Kind} token {rejected.Fingerprint}; token dropped, renewing and resending once.");
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Set on a request whose token was renewed after a 401.</summary>
    public static HttpRequestOptionsKey<bool> RenewedKey => new("AgentGateway.Mcp.TokenRenewed");

    protected override ResiliencePipeline<HttpResponseMessage> Pipeline { get; }
}
