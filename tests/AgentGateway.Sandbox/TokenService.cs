using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox;

/// <summary>
/// The sandbox IAS: issues system tokens (client_credentials) and user tokens (jwt-bearer) over mTLS, and
/// validates them for the gateway (signature, expiry, revocation).
/// </summary>
internal sealed class TokenService : IDisposable
{
    public const string Resource = "urn:sap:identity:application:provider:name:agent-gateway";
    public const string Audience = "agent-gateway";
    public const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private const string OpaquePrefix = "sbx-opaque.";

    private readonly SandboxStats _stats;
    private readonly TimeProvider _time;
    private readonly SandboxJwtKey _accessKey = new("sandbox-ias");
    private readonly SandboxJwtKey _userIdpKey = new("sandbox-user-idp");
    private readonly ConcurrentDictionary<string, IssuedToken> _opaque = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _revokedJti = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TimeSpan _lifetime;
    private TokenResponseShape _shape;
    private TimeSpan _responseDelay;
    private TaskCompletionSource? _hold;
    private int _held;
    private FailurePlan? _failure;
    private long _generation;

    public TokenService(string clientId, SandboxOptions options, SandboxStats stats)
    {
        ClientId = clientId;
        _stats = stats;
        _time = options.TimeProvider;
        _lifetime = options.TokenLifetime;
        _shape = options.Shape;
    }

    public string ClientId { get; }

    /// <summary>The <c>iss</c> of issued tokens (set once the listener's port is known).</summary>
    public string Issuer { get; set; } = "https://127.0.0.1";

    public TimeSpan TokenLifetime
    {
        get { lock (_gate) { return _lifetime; } }
        set
        {
            // Zero or negative: tokens are issued already expired (a token service with a bad clock).
            lock (_gate) { _lifetime = value; }
        }
    }

    public TokenResponseShape Shape
    {
        get { lock (_gate) { return _shape; } }
        set { lock (_gate) { _shape = value; } }
    }

    public TimeSpan ResponseDelay
    {
        get { lock (_gate) { return _responseDelay; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _responseDelay = value; }
        }
    }

    /// <summary>Token requests waiting now because responses are held.</summary>
    public int HeldRequests => Volatile.Read(ref _held);

    /// <summary>From now on every token request waits (before anything else) until <see cref="ReleaseResponses"/>.</summary>
    public void HoldResponses()
    {
        lock (_gate)
        {
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets the held token requests go on, and stops holding.</summary>
    public void ReleaseResponses()
    {
        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _hold;
            _hold = null;
        }

        hold?.TrySetResult();
    }

    public void FailNext(int count, int statusCode, TimeSpan? delay, TimeSpan? retryAfter, string? oauthError)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        lock (_gate)
        {
            _failure = count == 0 ? null : new FailurePlan(count, statusCode, delay ?? TimeSpan.Zero, retryAfter, oauthError);
        }
    }

    private FailurePlan? TakeFailure()
    {
        lock (_gate)
        {
            if (_failure is not { } plan)
            {
                return null;
            }

            _failure = plan.Remaining > 1 ? plan with { Remaining = plan.Remaining - 1 } : null;
            return plan;
        }
    }

    public void RevokeAll() => Interlocked.Increment(ref _generation);

    public void Revoke(string accessToken)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        if (_opaque.TryGetValue(accessToken, out var issued))
        {
            _revokedJti[issued.Jti] = 0;
        }
        else if (SandboxJwtKey.ReadUnverified(accessToken)?["jti"]?.GetValue<string>() is { } jti)
        {
            _revokedJti[jti] = 0;
        }
    }

    public string IssueUserJwt(string subject, TimeSpan? lifetime)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var exp = now + (long)Math.Ceiling((lifetime ?? TimeSpan.FromHours(1)).TotalSeconds);
        return _userIdpKey.Sign(new JsonObject
        {
            ["iss"] = "https://user-idp.sandbox.invalid",
            ["sub"] = subject,
            ["aud"] = ClientId,
            ["email"] = subject.Contains('@', StringComparison.Ordinal) ? subject : subject + "@sandbox.invalid",
            ["iat"] = now,
            ["exp"] = exp,
            ["jti"] = NewId(),
        });
    }

    /// <summary>Validates a bearer token presented to the gateway.</summary>
    public TokenCheck Validate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new TokenCheck(TokenVerdict.Missing, null);
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var generation = Interlocked.Read(ref _generation);
        if (token.StartsWith(OpaquePrefix, StringComparison.Ordinal))
        {
            if (!_opaque.TryGetValue(token, out var issued))
            {
                return new TokenCheck(TokenVerdict.BadSignature, null);
            }

            if (issued.Generation < generation || _revokedJti.ContainsKey(issued.Jti))
            {
                return new TokenCheck(TokenVerdict.Revoked, issued.Subject);
            }

            return now >= issued.Exp ? new TokenCheck(TokenVerdict.Expired, issued.Subject) : new TokenCheck(TokenVerdict.Valid, issued.Subject);
        }

        if (SandboxJwtKey.ReadUnverified(token) is null)
        {
            return new TokenCheck(TokenVerdict.Malformed, null);
        }

        if (_accessKey.Verify(token) is not { } claims)
        {
            return new TokenCheck(TokenVerdict.BadSignature, null);
        }

        var sub = claims["sub"]?.GetValue<string>();
        if (claims["aud"]?.GetValue<string>() != Audience || claims["exp"] is null)
        {
            return new TokenCheck(TokenVerdict.Malformed, sub);
        }

        if ((claims["gen"]?.GetValue<long>() ?? -1) < generation ||
            (claims["jti"]?.GetValue<string>() is { } jti && _revokedJti.ContainsKey(jti)))
        {
            return new TokenCheck(TokenVerdict.Revoked, sub);
        }

        return now >= claims["exp"]!.GetValue<long>() ? new TokenCheck(TokenVerdict.Expired, sub) : new TokenCheck(TokenVerdict.Valid, sub);
    }

    /// <summary>The token endpoint (<c>POST /oauth2/token</c>).</summary>
    public async Task HandleAsync(HttpContext context)
    {
        _stats.AddTokenRequest();
        var aborted = context.RequestAborted;
        Task? hold;
        lock (_gate)
        {
            hold = _hold?.Task;
        }

        if (hold is not null)
        {
            Interlocked.Increment(ref _held);
            try
            {
                await hold.WaitAsync(aborted).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }

        var delay = ResponseDelay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, aborted).ConfigureAwait(false);
        }

        if (!context.Request.HasFormContentType)
        {
            await RejectAsync(context, 400, "invalid_request", "the body must be application/x-www-form-urlencoded").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(aborted).ConfigureAwait(false);
        string? Field(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;

        var grant = Field("grant_type");
        if (grant == "client_credentials")
        {
            _stats.AddClientCredentials();
        }
        else if (grant == JwtBearerGrant)
        {
            _stats.AddJwtBearer();
        }

        if (TakeFailure() is { } failure)
        {
            _stats.AddInjectedFailure();
            if (failure.Delay > TimeSpan.Zero)
            {
                await Task.Delay(failure.Delay, aborted).ConfigureAwait(false);
            }

            if (failure.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await RejectAsync(context, failure.StatusCode, failure.OAuthError ?? DefaultError(failure.StatusCode),
                $"injected failure {failure.StatusCode} (sandbox FailNext)").ConfigureAwait(false);
            return;
        }

        var clientId = Field("client_id");
        if (clientId is null)
        {
            await RejectAsync(context, 400, "invalid_request", "client_id is missing").ConfigureAwait(false);
            return;
        }

        var cert = context.Connection.ClientCertificate;
        var certCn = cert?.GetNameInfo(X509NameType.SimpleName, false);
        if (clientId != ClientId || clientId != certCn)
        {
            await RejectAsync(context, 400, "invalid_request", "client_id does not match the client certificate").ConfigureAwait(false);
            return;
        }

        if (grant is null)
        {
            await RejectAsync(context, 400, "invalid_request", "grant_type is missing").ConfigureAwait(false);
            return;
        }

        if (grant != "client_credentials" && grant != JwtBearerGrant)
        {
            await RejectAsync(context, 400, "invalid_request", $"grant_type '{grant}' is not supported").ConfigureAwait(false);
            return;
        }

        var resource = Field("resource");
        if (resource != Resource)
        {
            await RejectAsync(context, 400, "invalid_request", resource is null ? "resource is missing" : $"resource must be {Resource}").ConfigureAwait(false);
            return;
        }

        string subject;
        bool user;
        if (grant == "client_credentials")
        {
            var responseType = Field("response_type");
            if (responseType != "token")
            {
                await RejectAsync(context, 400, "invalid_request", responseType is null ? "response_type is missing" : "response_type must be token").ConfigureAwait(false);
                return;
            }

            subject = ClientId;
            user = false;
        }
        else
        {
            var assertion = Field("assertion");
            if (assertion is null)
            {
                await RejectAsync(context, 400, "invalid_request", "assertion is missing").ConfigureAwait(false);
                return;
            }

            if (SandboxJwtKey.ReadUnverified(assertion) is not { } assertionClaims)
            {
                await RejectAsync(context, 400, "invalid_request", "assertion is not a well-formed JWT").ConfigureAwait(false);
                return;
            }

            var tokenFormat = Field("token_format");
            if (tokenFormat != "jwt")
            {
                await RejectAsync(context, 400, "invalid_request", tokenFormat is null ? "token_format is missing" : "token_format must be jwt").ConfigureAwait(false);
                return;
            }

            if (assertionClaims["sub"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                await RejectAsync(context, 400, "invalid_grant", "assertion has no sub").ConfigureAwait(false);
                return;
            }

            if (assertionClaims["exp"] is { } assertionExp && assertionExp.GetValueKind() == System.Text.Json.JsonValueKind.Number &&
                assertionExp.GetValue<double>() <= _time.GetUtcNow().ToUnixTimeSeconds())
            {
                await RejectAsync(context, 400, "invalid_grant", "assertion is expired").ConfigureAwait(false);
                return;
            }

            subject = assertionClaims["sub"]!.GetValue<string>();
            user = true;
        }

        var body = Issue(subject, user, grant);
        _stats.AddTokenIssued();
        context.Response.StatusCode = 200;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(body, aborted).ConfigureAwait(false);
    }

    private JsonObject Issue(string subject, bool user, string grant)
    {
        TimeSpan lifetime;
        TokenResponseShape shape;
        lock (_gate)
        {
            lifetime = _lifetime;
            shape = _shape;
        }

        var now = _time.GetUtcNow();
        var iat = now.ToUnixTimeSeconds();
        var exp = (now + lifetime).ToUnixTimeSeconds();
        var jti = NewId();
        var generation = Interlocked.Read(ref _generation);

        string accessToken;
        if (shape is TokenResponseShape.IdToken or TokenResponseShape.None)
        {
            accessToken = OpaquePrefix + NewId() + NewId();
            _opaque[accessToken] = new IssuedToken(jti, subject, exp, generation);
        }
        else
        {
            accessToken = _accessKey.Sign(new JsonObject
            {
                ["iss"] = Issuer,
                ["sub"] = subject,
                ["aud"] = Audience,
                ["azp"] = ClientId,
                ["client_id"] = ClientId,
                ["token_kind"] = user ? "user" : "system",
                ["grant_type"] = grant,
                ["iat"] = iat,
                ["exp"] = exp,
                ["jti"] = jti,
                ["gen"] = generation,
            });
        }

        var body = new JsonObject { ["access_token"] = accessToken, ["token_type"] = "bearer" };
        switch (shape)
        {
            case TokenResponseShape.ExpiresIn:
                body["expires_in"] = (long)Math.Ceiling(lifetime.TotalSeconds);
                break;
            case TokenResponseShape.ExpiresAt:
                body["expires_at"] = exp;
                break;
            case TokenResponseShape.ExpiresAtIso:
                body["expires_at"] = DateTimeOffset.FromUnixTimeSeconds(exp).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                break;
            case TokenResponseShape.IdToken:
                body["id_token"] = _accessKey.Sign(new JsonObject
                {
                    ["iss"] = Issuer,
                    ["sub"] = subject,
                    ["aud"] = ClientId,
                    ["iat"] = iat,
                    ["exp"] = exp,
                    ["jti"] = NewId(),
                });
                break;
            default:
                break;
        }

        return body;
    }

    private Task RejectAsync(HttpContext context, int status, string error, string description)
    {
        _stats.AddTokenRejected();
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = error, ["error_description"] = description }, context.RequestAborted);
    }

    private static string DefaultError(int status) => status switch
    {
        400 => "invalid_request",
        401 => "invalid_client",
        403 => "unauthorized_client",
        429 or 503 => "temporarily_unavailable",
        _ => "server_error",
    };

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public void Dispose()
    {
        _accessKey.Dispose();
        _userIdpKey.Dispose();
    }

    private sealed record FailurePlan(int Remaining, int StatusCode, TimeSpan Delay, TimeSpan? RetryAfter, string? OAuthError);

    private sealed record IssuedToken(string Jti, string Subject, long Exp, long Generation);
}

internal enum TokenVerdict
{
    Valid,
    Missing,
    Malformed,
    BadSignature,
    Expired,
    Revoked,
}

internal readonly record struct TokenCheck(TokenVerdict Verdict, string? Subject);
