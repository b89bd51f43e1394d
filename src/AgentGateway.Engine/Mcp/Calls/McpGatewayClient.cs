using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// The MCP operations the cmdlets need, over a <see cref="McpClientPool"/>: list tools (one server, or
/// many concurrently with a per-server outcome) and call a tool. Each operation is one logical call
/// (one x-correlation-id), bounded by its timeout; a session the server forgot is re-initialized once.
/// Failures are <see cref="McpGatewayException"/>s; a cancelled call throws <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed partial class McpGatewayClient
{
    /// <summary>How long telling a server about a cancelled request may take.</summary>
    private static readonly TimeSpan s_cancelNotificationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A session the server no longer knows (HTTP 404 to a request that carried its id): dropped, and the operation
    /// sent once more on a new one (the server did not run it). A second loss fails.
    /// </summary>
    private static readonly ResiliencePipeline s_sessionGoneRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            Name = "mcp-session-gone",
            MaxRetryAttempts = 1,
            Delay = TimeSpan.Zero,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is SessionGoneException),
            OnRetry = static args =>
            {
                var gone = (SessionGoneException)args.Outcome.Exception!;
                CallLog.Verbose($"MCP server at {gone.Endpoint} no longer knows session {gone.SessionId}; re-initializing once.");
                return default;
            },
        })
        .Build();

    private readonly McpClientPool _pool;

    public McpGatewayClient(McpClientPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
    }

    /// <summary>The pool's options (its timeout, the page bound of a listing).</summary>
    internal McpPoolOptions Options => _pool.Options;

    /// <summary>Every tool of one server, following tools/list pagination to the end.</summary>
    public Task<IReadOnlyList<McpToolInfo>> ListToolsAsync(McpTarget target, McpAuth auth, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(auth);
        return RunAsync(target, auth, "tools/list", "tools/list", timeout, (session, ct) => ListPagesAsync(session, target, ct), cancellationToken);
    }

    /// <summary>
    /// Lists many servers, at most <paramref name="maxConcurrency"/> at a time. Returns one outcome per
    /// target, in the order given: its tools, or the <see cref="McpGatewayException"/> it failed with.
    /// Only cancellation aborts the whole listing. <paramref name="timeout"/> (the pool's when null) bounds the
    /// whole listing: a server waiting for a free slot gets what is left of it, and one not started in time fails as a timeout.
    /// </summary>
    public async Task<IReadOnlyList<McpServerListing>> ListToolsAsync(
        IEnumerable<McpTarget> targets,
        McpAuth auth,
        int maxConcurrency = 4,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);

        var list = targets.ToArray();
        var results = new McpServerListing[list.Length];
        var limit = timeout ?? _pool.Options.Timeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The timeout must be positive.");
        }

        // One bound for the whole listing, however long a server waits for a free slot.
        var started = Stopwatch.GetTimestamp();
        using var whole = new CancellationTokenSource(limit);
        await Parallel.ForAsync(0, list.Length, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var url = list[i].Url.GetLeftPart(UriPartial.Path);
            if (whole.IsCancellationRequested || (limit != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(started) >= limit))
            {
                results[i] = new McpServerListing(list[i], null, McpGatewayException.TimedOut(
                    $"MCP tools/list on '{url}' was not sent: the listing of {list.Length} servers did not finish within {limit.TotalSeconds:0.###} s.", limit, list[i].Url));
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, whole.Token);
            try
            {
                var tools = await ListToolsAsync(list[i], auth, limit, linked.Token).ConfigureAwait(false);
                results[i] = new McpServerListing(list[i], tools, null);
            }
            catch (OperationCanceledException e) when (whole.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                results[i] = new McpServerListing(list[i], null, McpGatewayException.TimedOut(
                    $"MCP tools/list on '{url}' did not finish within {limit.TotalSeconds:0.###} s, the bound of the listing of {list.Length} servers.", limit, list[i].Url, e));
            }
            catch (McpGatewayException e)
            {
                results[i] = new McpServerListing(list[i], null, e);
            }
            catch (Exception e) when (e is not (OperationCanceledException or TokenRequestException or CredentialException or OutOfMemoryException))
            {
                // Whatever else one server's listing throws is that server's failure, not the listing's.
                results[i] = new McpServerListing(list[i], null, McpGatewayException.Protocol(
                    $"Listing the tools of the MCP server at '{list[i].Url.GetLeftPart(UriPartial.Path)}' failed: {e.Message}", list[i].Url, e));
            }
        }).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Calls <paramref name="toolName"/> with <paramref name="arguments"/> (built once by <see cref="ArgumentJson"/>, checked
    /// by the caller: <see cref="Runspace.RunspaceState.PrepareCallAsync"/> is the way in). A tool failure comes back as a
    /// result with <see cref="McpCallResult.IsError"/>; a JSON-RPC error throws an <see cref="McpGatewayException"/> of kind
    /// <see cref="McpErrorKind.Protocol"/>. <paramref name="progress"/> receives the server's progress notifications, on a
    /// background thread. <paramref name="tool"/>, the listed tool, is told to the pooled client (its <c>x-mcp-header</c>
    /// arguments go into headers).
    /// </summary>
    public Task<McpCallResult> CallToolJsonAsync(
        McpTarget target,
        McpAuth auth,
        string toolName,
        JsonObject? arguments,
        IProgress<McpProgress>? progress = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default,
        McpToolInfo? tool = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        return RunAsync(target, auth, $"tools/call {toolName}", "tools/call", timeout, (session, ct) =>
        {
            // The pooled client learns the listed tool, so the SDK mirrors its x-mcp-header arguments into Mcp-Param-* headers.
            session.KnowTool(tool);
            return CallOnceAsync(session, target, toolName, arguments, progress, ct);
        }, cancellationToken);
    }

    /// <summary>
    /// One MCP operation on the target's pooled client: one correlation id, bounded by <paramref name="timeout"/> (the pool's
    /// when null), a session the server forgot re-initialized once, failures translated to <see cref="McpGatewayException"/>.
    /// </summary>
    internal async Task<T> RunAsync<T>(McpTarget target, McpAuth auth, string operation, string rpcMethod, TimeSpan? timeout, Func<McpPooledClient, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        var limit = timeout ?? _pool.Options.Timeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The timeout must be positive.");
        }

        using var correlation = McpCorrelation.Begin();

        // A local server's stderr reaches this operation's verbose log while it runs.
        using var stderr = _pool.LocalServers?.Find(target.Url)?.Attach(CallLog.Current);

        // The operation's clock stops while a person answers what the server asks (McpServerRequests).
        using var timeoutCts = new McpCallClock(limit);
        using var clock = timeoutCts.Use();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var ct = linked.Token;
        using var activity = AgwTelemetry.StartActivity($"mcp {rpcMethod}");
        activity?.SetTag("mcp.method", rpcMethod);
        activity?.SetTag("server.address", target.Url.Host);
        var operationStarted = Stopwatch.GetTimestamp();
        var outcome = "error";
        CallLog.Debug($"MCP {operation} on {target} (correlation {McpCorrelation.Current}).");
        CallLog.Verbose($"MCP {operation} on {target.Url.GetLeftPart(UriPartial.Path)}: trace {AgwTelemetry.CurrentTraceId ?? "none"}.");

        // Once the body runs, the request may be out: a timeout from then on may come after the server acted on it.
        var sending = false;
        var signIns = 0;
        try
        {
            while (true)
            {
                try
                {
                    return await s_sessionGoneRetry.ExecuteAsync(
                        async attemptToken =>
                        {
                            var session = await _pool.GetAsync(target.Url, auth, attemptToken).ConfigureAwait(false);
                            try
                            {
                                sending = true;
                                var done = await body(session, attemptToken).ConfigureAwait(false);
                                outcome = "ok";
                                return done;
                            }
                            catch (Exception e) when (e is not OperationCanceledException && McpErrorTranslator.IsSessionGone(e, session))
                            {
                                var forgotten = session.Client.SessionId;
                                await _pool.DropAsync(session).ConfigureAwait(false);
                                AgwTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", "session-gone"));
                                throw new SessionGoneException(target.Url, forgotten, e);
                            }
                            catch (Exception e) when (RpcCodeOf(e) == McpGatewayException.UnsupportedRevisionCode)
                            {
                                // The server no longer takes the revision this runspace learned for it: the next connection negotiates anew.
                                CallLog.Verbose($"MCP server at {target.Url} does not support {session.ProtocolVersion} (-32022); the revision is forgotten, the next call negotiates again.");
                                _pool.Negotiation.Forget(target.Url);
                                await _pool.DropAsync(session).ConfigureAwait(false);
                                throw;
                            }
                            finally
                            {
                                _pool.Release(session);
                            }
                        },
                        ct).ConfigureAwait(false);
                }
                catch (Exception e) when (SignInNeededException.Find(e) is { } needed)
                {
                    // The server refused the request (401/403) before acting on it, or setting up the session needed a
                    // token only a sign-in gives: sign in (the operation's clock stopped), then send it again.
                    sending = false;
                    await SignInAsync(auth, target, needed, ++signIns, timeoutCts, ct).ConfigureAwait(false);
                }
            }
        }
        catch (SessionGoneException e) when (McpLocalServer.IsLocal(target.Url))
        {
            // Its process ended before the request was written, and the one started anew did too: nothing was sent.
            throw McpGatewayException.Connection(
                $"The local MCP server {target.Url} ended again right after it was started anew; {rpcMethod} was not sent to it.",
                target.Url,
                e.InnerException);
        }
        catch (SessionGoneException e)
        {
            // Not a wrong address: the server answered initialize a moment ago, and lost that session too.
            var again = McpGatewayException.Server(
                $"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' lost its session again right after a new one was set up (HTTP 404 to {rpcMethod} with session {e.SessionId}); the request was not run.",
                404,
                target.Url,
                e.InnerException);
            again.OrdId ??= target.Dependency?.OrdId;
            throw again;
        }
        catch (OperationCanceledException e) when (timeoutCts.IsExpired && !cancellationToken.IsCancellationRequested)
        {
            if (auth.ModeFor(target.Url) == McpAuthMode.GatewayToken && auth.TokenSource is { } source && source.IsFetching(auth.UserJwt, auth.UserKey))
            {
                throw new TokenRequestException(
                    $"The token service at {source.TokenServiceUrl} did not answer within {limit.TotalSeconds:0.###} s, so MCP {operation} on '{target.Url.GetLeftPart(UriPartial.Path)}' was not sent.",
                    auth.UserJwt is null ? TokenKind.System : TokenKind.User, source.TokenServiceUrl, null, null, null, 0, e)
                {
                    Kind = TokenErrorKind.Timeout,
                };
            }

            throw McpGatewayException.TimedOut(
                $"MCP {operation} on '{target.Url.GetLeftPart(UriPartial.Path)}' did not finish within {limit.TotalSeconds:0.###} s.{McpErrorTranslator.AfterSendNote(sending ? rpcMethod : null)}",
                limit,
                target.Url,
                e);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not ArgumentException)
        {
            // A token that could not be had is the token service's failure, not the MCP server's: pass it on as it is.
            for (var inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is TokenRequestException or CredentialException or OAuthException)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
                }
            }

            var translated = McpErrorTranslator.Translate(e, target.Url, rpcMethod);
            if (translated.Kind == McpErrorKind.Connection && _pool.TlsFailures.TryTake(target.Url.Host, out var problem))
            {
                translated = McpGatewayException.Tls(
                    $"The TLS connection to '{target.Url.GetLeftPart(UriPartial.Authority)}' was refused by this client: {problem}.",
                    TlsFailureCause.ServerCertificateNotTrusted,
                    target.Url,
                    e);
            }
            else if (translated.Kind is McpErrorKind.Connection or McpErrorKind.ConnectionLost && _pool.ClientCertificateFailure(target.Url, e) is { } certificate)
            {
                translated = certificate;
            }
            else if (translated.Kind == McpErrorKind.Timeout && translated.InnerException is TimeoutException)
            {
                translated = McpGatewayException.TimedOut(translated.Message, limit, target.Url, e);
            }

            if (McpLocalServer.IsLocal(target.Url) && _pool.LocalServers?.Find(target.Url)?.TakeOversized() is { } sizeLimit)
            {
                // A message of a local server past the response size limit: reading stopped there and its process was ended.
                translated = McpResponseGuard.TooLarge(target.Url, rpcMethod, sizeLimit, eventOfStream: false);
                translated = McpGatewayException.ResponseTooLarge(
                    $"{translated.Message} The local server's process was ended; the next request starts it again.", sizeLimit, target.Url);
            }
            else if (translated.Kind == McpErrorKind.Connection && sending && McpLocalServer.IsLocal(target.Url))
            {
                // A local server's process that ends while a request is out: the request was sent, it may have acted on it.
                translated = McpGatewayException.ConnectionLost(
                    $"The local MCP server {target.Url} ended while {rpcMethod} was in flight; the next request starts it again.{McpErrorTranslator.AfterSendNote(rpcMethod)}",
                    target.Url,
                    e);
            }

            translated.OrdId ??= target.Dependency?.OrdId;
            throw translated;
        }
        finally
        {
            var tags = new TagList { { "mcp.method", rpcMethod }, { "outcome", outcome } };
            AgwTelemetry.Calls.Add(1, tags);
            AgwTelemetry.Duration.Record(Stopwatch.GetElapsedTime(operationStarted).TotalMilliseconds, tags);
            activity?.SetTag("outcome", outcome);
        }
    }

    /// <summary>The JSON-RPC error code <paramref name="e"/> carries (the SDK's exception, or ours), or null.</summary>
    private static int? RpcCodeOf(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case ModelContextProtocol.McpProtocolException rpc:
                    return (int)rpc.ErrorCode;
                case McpGatewayException { RpcErrorCode: { } code }:
                    return code;
            }
        }

        return null;
    }

    /// <summary>
    /// Signs in for the endpoint (its authorization server, through the call's <see cref="AuthorizationInteraction"/>) with
    /// the operation's clock stopped: a sign-in is the person's time, bounded on its own. One sign-in per operation after a
    /// 401; a 403 insufficient_scope may widen the scope up to <see cref="MaxStepUps"/> times.
    /// </summary>
    private static async Task SignInAsync(McpAuth auth, McpTarget target, SignInNeededException needed, int signIns, McpCallClock clock, CancellationToken ct)
    {
        var where = target.Url.GetLeftPart(UriPartial.Path);
        if (auth.SignInTokens is null || (!needed.Challenge.IsInsufficientScope && signIns > 1))
        {
            throw McpGatewayException.Authentication(
                $"The MCP server at '{where}' rejected the signed-in token {needed.Rejected?.Fingerprint} (HTTP {needed.Challenge.Status}) right after the sign-in; the request was not run.",
                needed.Challenge.Status,
                target.Url,
                McpAuthMode.SignIn,
                needed);
        }

        if (needed.Challenge.IsInsufficientScope && signIns > MaxStepUps)
        {
            throw new OAuthException(
                OAuthErrorKind.InsufficientScope,
                $"The MCP server at '{where}' still answers 403 insufficient_scope (asking for '{ServerText.ForTerminal(needed.Challenge.Scope, 200)}') after {MaxStepUps} sign-in(s) for a wider scope; the request was not run.",
                target.Url,
                needed);
        }

        // Where no person can be asked, the token can only come from enterprise-managed authorization or the client
        // credentials grant (token requests, no person's time): the operation's clock keeps running, so its timeout bounds them.
        var interaction = AuthorizationInteraction.Current;
        using (interaction is not { CanSignIn: true } && (auth.SignInTokens.HasEnterpriseManagedClients || auth.SignInTokens.HasClientCredentialsClients) ? null : clock.Pause())
        {
            await auth.SignInTokens.SignInAsync(target.Url, needed.Challenge, needed.Rejected, interaction, auth.EnterpriseUser, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How often one operation signs in again for a wider scope after a 403 insufficient_scope.</summary>
    internal const int MaxStepUps = 2;

    /// <summary>The server forgot the session of an attempt (which was dropped); the operation was not run.</summary>
    private sealed class SessionGoneException(Uri endpoint, string? sessionId, Exception innerException)
        : Exception("The MCP server no longer knows the session.", innerException)
    {
        public Uri Endpoint { get; } = endpoint;

        public string? SessionId { get; } = sessionId;
    }
}
