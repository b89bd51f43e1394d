using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;
using Polly;
using Polly.Retry;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The one place where MCP requests are authenticated. Per request: adds <c>x-correlation-id</c>,
/// attaches the bearer token chosen by <see cref="McpAuth.ModeFor"/>, refuses plain http to a
/// non-loopback host. Through a Polly pipeline: on 401 with a provider token, invalidates the token
/// that was sent, fetches a fresh one and resends once (body buffered, identical); initialize,
/// tools/list and ping also retry transient failures (connection errors, 5xx) a bounded number of
/// times. A tools/call is never resent except after a 401. A final 401/403 becomes
/// an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.Authentication"/>.
/// </summary>
internal sealed class McpAuthHandler : DelegatingHandler
{
    private const string McpSessionIdHeader = "Mcp-Session-Id";

    private static readonly ResiliencePropertyKey<RequestState> s_stateKey = new("AgentGateway.Mcp.Request");

    private readonly McpAuth _auth;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public McpAuthHandler(McpAuth auth, int transientRetries, TimeSpan transientRetryDelay)
    {
        ArgumentNullException.ThrowIfNull(auth);
        _auth = auth;

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (transientRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "mcp-transient",
                MaxRetryAttempts = transientRetries,
                Delay = transientRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = transientRetryDelay > TimeSpan.Zero,
                ShouldHandle = static args => new ValueTask<bool>(IsRetryableTransient(args.Context, args.Outcome)),
                OnRetry = static args =>
                {
                    var state = args.Context.Properties.GetValue(s_stateKey, null!);
                    var what = args.Outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : args.Outcome.Exception?.GetType().Name;
                    CallLog.Verbose($"MCP {state.RpcMethod} to {state.Request.RequestUri?.GetLeftPart(UriPartial.Path)} failed ({what}); retry {args.AttemptNumber + 1}.");
                    return default;
                },
            });
        }

        builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            Name = "mcp-401-renew",
            MaxRetryAttempts = 1,
            Delay = TimeSpan.Zero,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            ShouldHandle = static args => new ValueTask<bool>(
                args.Outcome.Result?.StatusCode == HttpStatusCode.Unauthorized
                && args.Context.Properties.GetValue(s_stateKey, null!).SentToken is not null),
            OnRetry = args =>
            {
                var state = args.Context.Properties.GetValue(s_stateKey, null!);
                var rejected = state.SentToken!;
                _auth.TokenSource!.Invalidate(_auth.UserJwt, _auth.UserKey, rejected);
                state.Renewed = true;
                CallLog.Verbose($"MCP {state.RpcMethod ?? state.Request.Method.Method} got 401 with {rejected.Kind} token {rejected.Fingerprint}; token dropped, renewing and resending once.");
                return default;
            },
        });

        _pipeline = builder.Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("An MCP request has no URI.");
        _auth.EnsureSafeFor(uri);

        // HTTP/2 where the server offers it (ALPN), else HTTP/1.1: concurrent calls to one gateway then
        // share one connection instead of opening one TLS connection each.
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }

        request.Headers.Remove(McpCorrelation.HeaderName);
        request.Headers.TryAddWithoutValidation(McpCorrelation.HeaderName, McpCorrelation.Current ?? Guid.NewGuid().ToString("D"));

        string? rpcMethod = null;
        if (request.Content is { } content)
        {
            // Buffer the body so that a resend is byte-identical.
            var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var buffered = new ByteArrayContent(body);
            foreach (var header in content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = buffered;
            content.Dispose();
            if (ReadJsonRpcRequest(body) is { } rpc)
            {
                rpcMethod = rpc.Method;

                // For the response guard below: what the answer must reply to.
                request.Options.Set(McpRpcRequest.OptionsKey, rpc);
            }
        }

        var state = new RequestState(request, rpcMethod, _auth.ModeFor(uri));
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        HttpResponseMessage response;
        try
        {
            context.Properties.Set(s_stateKey, state);
            response = await _pipeline.ExecuteAsync(
                static (ctx, self) => self.SendOnceAsync(ctx.Properties.GetValue(s_stateKey, null!), ctx.CancellationToken),
                context,
                this).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw McpGatewayException.Authentication(DescribeRejection(state, status, uri), status, uri, state.Mode);
        }

        if (response.StatusCode == HttpStatusCode.NotFound && request.Method == HttpMethod.Post && rpcMethod is not null &&
            request.Headers.Contains(McpSessionIdHeader))
        {
            // The server forgot the session. Thrown rather than answered: on a 404 answer the SDK closes the whole
            // transport, which cancels the other calls in flight on the session, whose answers may still come (their
            // tools may have run: they must not be resent). This request alone fails; it reached no tool, so the
            // caller initializes a new session once and resends it (McpGatewayClient).
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.Unknown, $"The MCP server at '{uri.GetLeftPart(UriPartial.Path)}' no longer knows the session (HTTP 404 to {rpcMethod}).", null, HttpStatusCode.NotFound);
        }

        return response;
    }

    private async ValueTask<HttpResponseMessage> SendOnceAsync(RequestState state, CancellationToken cancellationToken)
    {
        var request = state.Request;
        switch (state.Mode)
        {
            case McpAuthMode.GatewayToken:
                var token = await _auth.TokenSource!.GetTokenAsync(_auth.UserJwt, _auth.UserKey, cancellationToken).ConfigureAwait(false);
                state.SentToken = token;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
                break;
            case McpAuthMode.FixedToken:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _auth.FixedToken);
                break;
            default:
                request.Headers.Authorization = null;
                break;
        }

        state.Attempts++;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (Diagnostics.CallLog.Current is not null)
        {
            Diagnostics.CallLog.Debug($"HTTP {request.Method} {request.RequestUri} -> {(int)response.StatusCode} {response.StatusCode} (HTTP/{response.Version}) in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms.");
        }
        return response;
    }

    private static bool IsRetryableTransient(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        var state = context.Properties.GetValue(s_stateKey, null!);
        if (!IsIdempotent(state.RpcMethod) || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        // A certificate or TLS trust failure is not transient: another attempt meets the same certificate.
        return outcome.Exception is HttpRequestException { HttpRequestError: not HttpRequestError.SecureConnectionError }
            || (outcome.Result is { } response && (int)response.StatusCode >= 500);
    }

    /// <summary>The JSON-RPC methods that may be resent after a transient failure (no side effects).</summary>
    internal static bool IsIdempotent(string? rpcMethod) =>
        rpcMethod is "initialize" or "tools/list" or "ping";

    private string DescribeRejection(RequestState state, int status, Uri uri)
    {
        var where = uri.GetLeftPart(UriPartial.Path);
        if (status == 403)
        {
            return $"The MCP server at '{where}' refused access (HTTP 403) with {_auth.DescribeFor(uri)}. Check that this identity may use this dependency.";
        }

        return state.Mode switch
        {
            McpAuthMode.GatewayToken when state.Renewed =>
                $"The MCP server at '{where}' rejected the {_auth.DescribeFor(uri)} (HTTP 401) even after it was renewed (now {state.SentToken?.Fingerprint}). Check the gateway credentials and that the token is meant for this gateway.",
            McpAuthMode.GatewayToken =>
                $"The MCP server at '{where}' rejected the {_auth.DescribeFor(uri)} (HTTP 401).",
            McpAuthMode.FixedToken =>
                $"The MCP server at '{where}' rejected the {_auth.DescribeFor(uri)} (HTTP 401); a given token is not renewed.",
            _ =>
                $"The MCP server at '{where}' requires authentication (HTTP 401) and no token was sent: it is not on the gateway's origin.",
        };
    }

    /// <summary>The <c>method</c> of a JSON-RPC request or notification body, or null (a response, a batch, not JSON).</summary>
    internal static string? ReadJsonRpcMethod(ReadOnlySpan<byte> body) => ReadJsonRpcRequest(body)?.Method;

    /// <summary>
    /// The <c>method</c> and <c>id</c> (raw JSON: a string keeps its quotes) of a JSON-RPC message body; null when the
    /// body is no JSON object (a batch, not JSON). A response has an id and no method; a notification a method and no id.
    /// </summary>
    internal static McpRpcRequest? ReadJsonRpcRequest(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? method = null;
            string? id = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMethod = reader.ValueTextEquals("method"u8);
                var isId = !isMethod && reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isMethod)
                {
                    method = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (isId && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
                {
                    var raw = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                    id = reader.TokenType == JsonTokenType.String ? $"\"{raw}\"" : raw;
                }

                if (method is not null && id is not null)
                {
                    break;
                }

                reader.TrySkip();
            }

            return new McpRpcRequest(method, id);
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private sealed class RequestState(HttpRequestMessage request, string? rpcMethod, McpAuthMode mode)
    {
        public HttpRequestMessage Request { get; } = request;

        public string? RpcMethod { get; } = rpcMethod;

        public McpAuthMode Mode { get; } = mode;

        public AccessToken? SentToken { get; set; }

        public bool Renewed { get; set; }

        public int Attempts { get; set; }
    }
}
