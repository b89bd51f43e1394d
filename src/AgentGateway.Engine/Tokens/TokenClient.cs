using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Asks the token service for tokens over one pooled connection per credential identity: the client
/// certificate attached in Standard mode, plain HTTPS in Transparent mode. Transient failures
/// (connection errors, 408, 429 honouring Retry-After, 5xx) are retried with exponential backoff and
/// jitter, all inside <see cref="Timeout"/>; other 4xx fail at once as <see cref="TokenRequestException"/>.
/// </summary>
internal sealed partial class TokenClient : ITokenFetcher
{
    public const string Resource = "urn:sap:identity:application:provider:name:agent-gateway";
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private const int ExcerptLength = 120;

    private readonly AgentCredentials _credentials;
    private readonly HttpClient _http;
    private readonly TimeProvider _timeProvider;
    private readonly TokenClientOptions _options;
    private readonly ResiliencePipeline<Attempt> _pipeline;
    private readonly TlsFailureLog? _tlsFailures;
    private long _timeoutTicks;

    /// <param name="credentials">Who asks; the client certificate (Standard mode) is attached to every connection.</param>
    /// <param name="trustedRoots">CA certificates trusted besides the system store (see <see cref="TlsTrust"/>).</param>
    /// <param name="timeout">The overall time of one token request, retries included.</param>
    /// <param name="timeProvider">Clock for backoff and timeout.</param>
    /// <param name="options">Retry behaviour.</param>
    /// <param name="proxy">How requests leave (a proxy, none, or the environment's); the environment's when null.</param>
    /// <param name="getEnvironmentVariable">Reads the environment's proxy variables (at each request); the process's when null.</param>
    public TokenClient(
        AgentCredentials credentials,
        X509Certificate2Collection? trustedRoots,
        TimeSpan timeout,
        TimeProvider? timeProvider = null,
        TokenClientOptions? options = null,
        ProxySettings? proxy = null,
        Func<string, string?>? getEnvironmentVariable = null)
        : this(credentials, trustedRoots, new TlsFailureLog(), timeout, timeProvider, options, proxy ?? ProxySettings.FromEnvironment, getEnvironmentVariable)
    {
    }

    private TokenClient(AgentCredentials credentials, X509Certificate2Collection? trustedRoots, TlsFailureLog tlsFailures, TimeSpan timeout, TimeProvider? timeProvider, TokenClientOptions? options, ProxySettings proxy, Func<string, string?>? getEnvironmentVariable)
        : this(credentials, TlsTrust.CreateStack(proxy, getEnvironmentVariable, trustedRoots, credentials?.ClientCertificate, credentials?.ClientCertificateChain, tlsFailures), timeout, timeProvider, options)
    {
        _tlsFailures = tlsFailures;
    }

    internal TokenClient(AgentCredentials credentials, HttpMessageHandler handler, TimeSpan timeout, TimeProvider? timeProvider, TokenClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(handler);
        _credentials = credentials;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _options = options ?? TokenClientOptions.Default;
        Timeout = timeout;
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline();
    }

    /// <summary>The overall time of one token request, retries included; may change between requests.</summary>
    public TimeSpan Timeout
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _timeoutTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _timeoutTicks, value.Ticks);
        }
    }

    /// <summary>Client credentials grant: the agent's own token.</summary>
    public Task<TokenResponse> RequestSystemTokenAsync(CancellationToken cancellationToken = default) => FetchAsync(null, cancellationToken);

    /// <summary>JWT bearer grant: exchanges the user's JWT for a user token.</summary>
    public Task<TokenResponse> RequestUserTokenAsync(string userJwt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userJwt);
        return FetchAsync(userJwt, cancellationToken);
    }

    /// <inheritdoc cref="ITokenFetcher.FetchAsync"/>
    public async Task<TokenResponse> FetchAsync(string? userJwt, CancellationToken cancellationToken)
    {
        var kind = userJwt is null ? TokenKind.System : TokenKind.User;
        var form = Form(userJwt);
        var attempts = 0;
        var causes = new List<string>();
        var causesGate = new Lock();
        Attempt outcome;
        try
        {
            outcome = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    Interlocked.Increment(ref attempts);
                    try
                    {
                        var attempt = await SendOnceAsync(form, ct).ConfigureAwait(false);
                        if (IsTransient(attempt.Status))
                        {
                            lock (causesGate)
                            {
                                causes.Add(string.Create(CultureInfo.InvariantCulture, $"HTTP {attempt.Status}"));
                            }
                        }

                        return attempt;
                    }
                    catch (HttpRequestException e)
                    {
                        lock (causesGate)
                        {
                            causes.Add(e.HttpRequestError.ToString());
                        }

                        throw;
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TokenRequestException(
                string.Create(CultureInfo.InvariantCulture, $"The {kind} token request to {_credentials.TokenServiceUrl} timed out after {Timeout.TotalSeconds:0.###} s ({attempts} attempt(s))."),
                kind, _credentials.TokenServiceUrl, null, null, null, attempts, e)
            {
                Kind = TokenErrorKind.Timeout,
            };
        }
        catch (HttpProxyException e)
        {
            // The proxy on the way failed it: its own words name it; nothing reached the token service.
            throw new TokenRequestException(
                $"The {kind} token request to {_credentials.TokenServiceUrl} failed at the proxy: {e.Message}",
                kind, _credentials.TokenServiceUrl, null, null, null, attempts, e)
            {
                Proxy = e.Proxy,
                ProxyStatus = e.ProxyStatus,
            };
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            // Certificate and TLS trust failures are not retried: another attempt would meet the same certificate.
            var host = _credentials.TokenServiceUrl.Host;
            var (cause, message) = _tlsFailures is not null && _tlsFailures.TryTake(host, out var problem)
                ? (TlsFailureCause.ServerCertificateNotTrusted, $"The TLS connection to the token service at {_credentials.TokenServiceUrl} was refused by this client: {problem}.")
                : _credentials.Mode == CredentialMode.Standard
                    ? (TlsFailureCause.ClientCertificateRefused, $"The token service at {_credentials.TokenServiceUrl} rejected the TLS handshake, most likely the client certificate ({_credentials.CertificateThumbprint?[..8]}…) of client '{_credentials.ClientId}': {Innermost(e)}.")
                    : (TlsFailureCause.Handshake, $"The TLS handshake with the token service at {_credentials.TokenServiceUrl} failed: {Innermost(e)}.");
            throw new TokenRequestException(message, kind, _credentials.TokenServiceUrl, null, null, null, attempts, e) { Kind = TokenErrorKind.Tls, TlsCause = cause };
        }
        catch (HttpRequestException e)
        {
            throw new TokenRequestException(
                $"The {kind} token request to {_credentials.TokenServiceUrl} failed after {attempts} attempt(s): {e.Message}" +
                (_credentials.Mode == CredentialMode.Standard ? $" (with the client certificate {_credentials.CertificateThumbprint?[..8]}… presented: {Innermost(e)})." : $" ({Innermost(e)})."),
                kind, _credentials.TokenServiceUrl, (int?)e.StatusCode, null, null, attempts, e);
        }

        if (outcome.Status is >= 200 and < 300)
        {
            var response = TokenResponse.TryParse(outcome.Body, out var fields);
            if (response is null)
            {
                throw new TokenRequestException(
                    $"The token service answered the {kind} token request with HTTP {outcome.Status} but no access_token" +
                    (fields.Count > 0 ? $" (fields: {string.Join(", ", fields)})." : " (the body is not a JSON object)."),
                    kind, _credentials.TokenServiceUrl, outcome.Status, null, null, attempts);
            }

            return new TokenResponse
            {
                AccessToken = response.AccessToken,
                IdToken = response.IdToken,
                ExpiresAt = response.ExpiresAt,
                ExpiresIn = response.ExpiresIn,
                TokenType = response.TokenType,
                Attempts = attempts,
                RetryCauses = causes,
            };
        }

        throw Failure(kind, outcome, attempts);
    }

    public void Dispose() => _http.Dispose();

    private FormUrlEncodedContentSource Form(string? userJwt)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("client_id", _credentials.ClientId),
            new("resource", Resource),
        };
        if (userJwt is null)
        {
            fields.Add(new("grant_type", "client_credentials"));
            fields.Add(new("response_type", "token"));
        }
        else
        {
            fields.Add(new("grant_type", JwtBearerGrant));
            fields.Add(new("assertion", userJwt));
            fields.Add(new("token_format", "jwt"));
        }

        return new FormUrlEncodedContentSource(fields);
    }

    private async ValueTask<Attempt> SendOnceAsync(FormUrlEncodedContentSource form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _credentials.TokenServiceUrl) { Content = form.Create() };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var activity = Diagnostics.AgwTelemetry.StartActivity("token request");
        request.Headers.TryAddWithoutValidation(Diagnostics.AgwTelemetry.TraceParentHeader, Diagnostics.AgwTelemetry.TraceParent());
        Diagnostics.AgwTelemetry.TokenRequests.Add(1);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("http.response.status_code", (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Diagnostics.CallLog.Debug($"HTTP POST {_credentials.TokenServiceUrl} -> {(int)response.StatusCode} {response.StatusCode} in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms.");
        return new Attempt((int)response.StatusCode, body, RetryAfter(response));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private ResiliencePipeline<Attempt> BuildPipeline()
    {
        var retry = new RetryStrategyOptions<Attempt>
        {
            Name = "token-request",
            MaxRetryAttempts = Math.Max(1, _options.MaxRetryAttempts),
            Delay = _options.RetryBaseDelay,
            MaxDelay = _options.MaxRetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = _options.UseJitter,
            ShouldHandle = args => ValueTask.FromResult(
                !args.Context.CancellationToken.IsCancellationRequested && args.Outcome switch
                {
                    { Exception: HttpProxyException { ProxyAuthenticationRequired: true } } => false,
                    { Exception: HttpRequestException { HttpRequestError: not HttpRequestError.SecureConnectionError } } => true,
                    { Result: { } r } => IsTransient(r.Status) && !(r.RetryAfter > _options.MaxRetryAfter),
                    _ => false,
                }),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter is { } after && IsTransient(args.Outcome.Result.Status) ? after : (TimeSpan?)null),
            OnRetry = args =>
            {
                // To the ambient log: the fetch's shared log, which every caller waiting for this token reads (-Verbose).
                Diagnostics.CallLog.Verbose(
                    CultureInfo.InvariantCulture,
                    $"Token request to {_credentials.TokenServiceUrl} attempt {args.AttemptNumber + 1} failed: {Cause(args.Outcome)}; retrying in {args.RetryDelay.TotalSeconds:0.###} s{(args.Outcome.Result?.RetryAfter is not null ? " (the service's Retry-After)" : string.Empty)}.");
                _options.OnRetry?.Invoke(new TokenRetryInfo(
                    args.AttemptNumber + 1,
                    args.RetryDelay,
                    args.Outcome.Result?.Status,
                    args.Outcome.Exception?.GetType().Name,
                    args.Outcome.Result?.RetryAfter is not null));
                return default;
            },
        };

        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = _timeProvider }
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = _ => ValueTask.FromResult(Timeout) });
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(retry);
        }

        return builder.Build();
    }

    private static bool IsTransient(int status) => status is 408 or 429 or >= 500;

    /// <summary>Why an attempt is retried, for -Verbose: its HTTP status, or the connection error (no secret in either).</summary>
    private static string Cause(Outcome<Attempt> outcome) => outcome switch
    {
        { Result: { } r } => string.Create(CultureInfo.InvariantCulture, $"HTTP {r.Status} ({(HttpStatusCode)r.Status})"),
        { Exception: HttpRequestException e } => $"{e.HttpRequestError} ({Innermost(e)})",
        { Exception: { } e } => e.GetType().Name,
        _ => "unknown",
    };

    /// <summary>The message of the innermost exception (the handshake's own reason), never a secret.</summary>
    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message.TrimEnd('.');
    }

    private TokenRequestException Failure(TokenKind kind, Attempt outcome, int attempts)
    {
        string? error = null, description = null, excerpt = null;
        try
        {
            using var document = JsonDocument.Parse(outcome.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                error = Field(document.RootElement, "error");
                description = Field(document.RootElement, "error_description");
            }
        }
        catch (JsonException)
        {
            excerpt = Excerpt(outcome.Body);
        }

        var status = outcome.Status;
        var reason = ((HttpStatusCode)status).ToString();
        var message = $"The token service refused the {kind} token request: HTTP {status}" +
                      (reason == status.ToString(CultureInfo.InvariantCulture) ? string.Empty : $" ({reason})") +
                      (error is null ? string.Empty : $", error '{error}'") +
                      (description is null ? string.Empty : $": {description}") +
                      (excerpt is null ? string.Empty : $", body: {excerpt}") +
                      (attempts > 1 ? $" (after {attempts} attempts)." : ".") +
                      Hint(status, error, kind);
        return new TokenRequestException(message, kind, _credentials.TokenServiceUrl, status, error, description, attempts);
    }

    private static string Hint(int status, string? error, TokenKind kind) => (status, error) switch
    {
        (_, "invalid_client") or (401, _) => " Check the client id and the client certificate.",
        (_, "invalid_grant") when kind == TokenKind.User => " The user's JWT was not accepted for the exchange (expired or from another issuer?).",
        (_, "invalid_grant") => " The token service refused the agent's grant; check the client id and the client certificate.",
        (429, _) => " The token service is throttling; try again later.",
        _ => string.Empty,
    };

    private static string? Field(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? null : Scrub(text, 300);
    }

    private static string? Excerpt(string body) => string.IsNullOrWhiteSpace(body) ? null : Scrub(body, ExcerptLength);

    /// <summary>Collapses whitespace, removes anything that looks like a JWT, and shortens.</summary>
    private static string Scrub(string text, int length)
    {
        var clean = JwtLike().Replace(text, "[redacted]");
        clean = Whitespace().Replace(clean, " ").Trim();
        return clean.Length <= length ? clean : string.Concat(clean.AsSpan(0, length), "…");
    }

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]*)?")]
    private static partial Regex JwtLike();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private sealed record Attempt(int Status, string Body, TimeSpan? RetryAfter);

    private sealed class FormUrlEncodedContentSource(List<KeyValuePair<string, string>> fields)
    {
        public FormUrlEncodedContent Create() => new(fields);
    }
}
