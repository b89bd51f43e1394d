using System.Net;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Diagnostics;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The 401 policy (apart from the bearer, as Duende's token management keeps them): a 401 to a request sent with a
/// provider token drops that token from the cache (only if it is still the cached one) and resends the request
/// once, identical, with a fresh token (<see cref="McpBearerHandler"/> attaches it). A second 401 is answered as it
/// is; <see cref="McpResponseTranslationHandler"/> makes it an error. <see cref="RenewedKey"/> says it happened.
/// For an endpoint whose tokens come from its own authorization server (<see cref="McpAuthMode.SignIn"/>), the same one
/// path: a 401 (a token sent or not) drops the rejected token and resends with the token another caller got meanwhile
/// or a refreshed one; when only a person can help (and on a 403 <c>insufficient_scope</c>) it throws
/// <see cref="SignInNeededException"/>, and the MCP operation signs in and resends (<see cref="Calls.McpGatewayClient"/>).
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
                ShouldHandle = args => new ValueTask<bool>(ShouldRenew(auth, args.Context.Properties.GetValue(RequestKey, null!), args.Outcome.Result)),
                OnRetry = async args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    if (auth.ModeFor(request.RequestUri!) == McpAuthMode.SignIn)
                    {
                        await RenewSignedInAsync(auth, request, args.Outcome.Result!, args.Context.CancellationToken).ConfigureAwait(false);
                        return;
                    }

                    if (!request.Options.TryGetValue(McpBearerHandler.SentTokenKey, out var rejected))
                    {
                        return;
                    }

                    auth.TokenSource!.Invalidate(auth.UserJwt, auth.UserKey, rejected);
                    request.Options.Set(RenewedKey, true);
                    CallLog.Verbose($"MCP {McpRpcRequestHandler.MethodOf(request) ?? request.Method.Method} got 401 with {rejected.Kind} token {rejected.Fingerprint}; token dropped, renewing and resending once.");
                },
            })
            .Build();
    }

    /// <summary>Set on a request whose token was renewed after a 401.</summary>
    public static HttpRequestOptionsKey<bool> RenewedKey => new("AgentGateway.Mcp.TokenRenewed");

    protected override ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    private static bool ShouldRenew(McpAuth auth, HttpRequestMessage request, HttpResponseMessage? response)
    {
        if (response is null)
        {
            return false;
        }

        if (auth.ModeFor(request.RequestUri!) == McpAuthMode.SignIn)
        {
            return response.StatusCode == HttpStatusCode.Unauthorized ||
                   (response.StatusCode == HttpStatusCode.Forbidden && OAuthChallenge.From(response).IsInsufficientScope);
        }

        return response.StatusCode == HttpStatusCode.Unauthorized && request.Options.TryGetValue(McpBearerHandler.SentTokenKey, out _);
    }

    /// <summary>A 401 or 403 insufficient_scope of a sign-in endpoint: resend with a renewed token, or have the operation sign in.</summary>
    private static async ValueTask RenewSignedInAsync(McpAuth auth, HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var challenge = OAuthChallenge.From(response);
        request.Options.TryGetValue(McpBearerHandler.SentTokenKey, out var rejected);
        var method = McpRpcRequestHandler.MethodOf(request) ?? request.Method.Method;
        if (!challenge.IsInsufficientScope && await auth.SignInTokens!.RenewAsync(uri, rejected, auth.EnterpriseUser, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            request.Options.Set(RenewedKey, true);
            CallLog.Verbose($"MCP {method} got {challenge.Status}{(rejected is null ? " without a token" : $" with token {rejected.Fingerprint}")}; resending once with token {renewed.Fingerprint}.");
            return;
        }

        CallLog.Verbose($"MCP {method} to {uri.GetLeftPart(UriPartial.Path)} got {challenge.Status}{(challenge.IsInsufficientScope ? $" insufficient_scope (asks for '{ServerText.ForTerminal(challenge.Scope, 200)}')" : string.Empty)}: a sign-in is needed.");
        response.Dispose();
        throw new SignInNeededException(uri, challenge, rejected);
    }
}
