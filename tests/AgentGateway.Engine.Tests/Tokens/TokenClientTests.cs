using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AgentGateway.Engine.Tokens;
using Microsoft.Extensions.Time.Testing;
using static AgentGateway.Engine.Tests.Tokens.TokenTestKit;

namespace AgentGateway.Engine.Tests.Tokens;

public class TokenClientTests
{
    private static readonly TokenClientOptions s_fast = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(1), UseJitter = false };

    /// <summary>Answers with the queued responses in order (the last repeats) and records each request.</summary>
    private sealed class ScriptedHandler(params Func<HttpResponseMessage>[] script) : HttpMessageHandler
    {
        private int _index;

        public ConcurrentQueue<(HttpRequestMessage Request, string Body)> Requests { get; } = new();

        public Func<CancellationToken, Task>? Hang { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue((request, await request.Content!.ReadAsStringAsync(cancellationToken)));
            if (Hang is not null)
            {
                await Hang(cancellationToken);
            }

            var i = Interlocked.Increment(ref _index) - 1;
            return script[Math.Min(i, script.Length - 1)]();
        }
    }

    private static Func<HttpResponseMessage> Json(HttpStatusCode status, string json, TimeSpan? retryAfter = null) => () =>
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
        }

        return response;
    };

    private static readonly Func<HttpResponseMessage> s_ok = Json(HttpStatusCode.OK, "{\"access_token\":\"secret-access-token\",\"expires_in\":3600,\"token_type\":\"bearer\"}");

    private static TokenClient Client(ScriptedHandler handler, TimeProvider? time = null, TokenClientOptions? options = null, TimeSpan? timeout = null) =>
        new(TransparentCredentials("agent-1"), handler, timeout ?? TimeSpan.FromSeconds(30), time, options ?? s_fast);

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=')).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p[1]));

    [Fact]
    public async Task A_system_token_request_is_a_form_post_with_the_client_credentials_fields()
    {
        var handler = new ScriptedHandler(s_ok);
        using var client = Client(handler);

        var response = await client.RequestSystemTokenAsync();

        Assert.Equal("secret-access-token", response.AccessToken);
        Assert.Equal("3600", response.ExpiresIn);
        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://ias.example.test/oauth2/token"), request.RequestUri);
        Assert.Equal("application/x-www-form-urlencoded", request.Content!.Headers.ContentType!.MediaType);
        Assert.Contains(request.Headers.Accept, a => a.MediaType == "application/json");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["client_id"] = "agent-1",
                ["grant_type"] = "client_credentials",
                ["response_type"] = "token",
                ["resource"] = "urn:sap:identity:application:provider:name:agent-gateway",
            },
            Form(body));
    }

    [Fact]
    public async Task A_user_token_request_is_a_jwt_bearer_exchange()
    {
        var handler = new ScriptedHandler(s_ok);
        using var client = Client(handler);
        var jwt = JwtWithExp(DateTimeOffset.UtcNow.AddHours(1));

        await client.RequestUserTokenAsync(jwt);

        var form = Form(Assert.Single(handler.Requests).Body);
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        Assert.Equal(jwt, form["assertion"]);
        Assert.Equal("jwt", form["token_format"]);
        Assert.Equal("agent-1", form["client_id"]);
        Assert.Equal("urn:sap:identity:application:provider:name:agent-gateway", form["resource"]);
        Assert.False(form.ContainsKey("response_type"));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Transient_statuses_are_retried_then_succeed(HttpStatusCode status)
    {
        var handler = new ScriptedHandler(Json(status, "{}"), Json(status, "{}"), s_ok);
        using var client = Client(handler);
        var response = await client.RequestSystemTokenAsync();
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(3, response.Attempts);
    }

    [Fact]
    public async Task Connection_errors_are_retried()
    {
        var calls = 0;
        var handler = new ScriptedHandler(() => Interlocked.Increment(ref calls) == 1 ? throw new HttpRequestException("connection refused") : s_ok());
        using var client = Client(handler);
        await client.RequestSystemTokenAsync();
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_error_names_status_and_attempts()
    {
        var handler = new ScriptedHandler(Json(HttpStatusCode.ServiceUnavailable, "{\"error\":\"temporarily_unavailable\"}"));
        using var client = Client(handler, options: s_fast with { MaxRetryAttempts = 2 });
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(503, e.StatusCode);
        Assert.Equal(3, e.Attempts);
        Assert.Equal("temporarily_unavailable", e.OAuthError);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "invalid_grant", "assertion expired")]
    [InlineData(HttpStatusCode.Unauthorized, "invalid_client", "unknown client")]
    [InlineData(HttpStatusCode.Forbidden, "access_denied", null)]
    public async Task Other_4xx_are_not_retried_and_carry_the_oauth_error(HttpStatusCode status, string error, string? description)
    {
        var body = description is null ? $"{{\"error\":\"{error}\"}}" : $"{{\"error\":\"{error}\",\"error_description\":\"{description}\"}}";
        var handler = new ScriptedHandler(Json(status, body));
        using var client = Client(handler);
        var jwt = JwtWithExp(DateTimeOffset.UtcNow.AddHours(1));

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestUserTokenAsync(jwt));

        Assert.Single(handler.Requests);
        Assert.Equal((int)status, e.StatusCode);
        Assert.Equal(error, e.OAuthError);
        Assert.Equal(description, e.OAuthErrorDescription);
        Assert.Equal(TokenKind.User, e.TokenKind);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_json_error_body_gives_a_short_excerpt_without_tokens()
    {
        var html = "<html><body>Bad gateway config " + JwtWithExp(DateTimeOffset.UtcNow) + " " + new string('x', 500) + "</body></html>";
        var handler = new ScriptedHandler(() => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent(html) });
        using var client = Client(handler);
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());
        Assert.Contains("Bad gateway config [redacted]", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 400, e.Message);
    }

    [Fact]
    public async Task A_success_without_access_token_is_an_error_naming_fields_not_values()
    {
        var handler = new ScriptedHandler(Json(HttpStatusCode.OK, "{\"id_token\":\"secret-id-token\",\"expires_in\":5}"));
        using var client = Client(handler);
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());
        Assert.Contains("no access_token", e.Message, StringComparison.Ordinal);
        Assert.Contains("id_token", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-id-token", e.Message, StringComparison.Ordinal);
        Assert.Equal(200, e.StatusCode);
    }

    [Fact]
    public async Task Retry_after_on_429_sets_the_delay()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var retries = new ConcurrentQueue<TokenRetryInfo>();
        var handler = new ScriptedHandler(Json(HttpStatusCode.TooManyRequests, "{}", TimeSpan.FromSeconds(7)), s_ok);
        using var client = Client(handler, time, s_fast with { RetryBaseDelay = TimeSpan.FromMilliseconds(10), OnRetry = retries.Enqueue });

        var request = client.RequestSystemTokenAsync();
        Eventually(() => !retries.IsEmpty, "the retry was scheduled");
        var retry = Assert.Single(retries);
        Assert.Equal(TimeSpan.FromSeconds(7), retry.Delay);
        Assert.True(retry.FromRetryAfter);
        Assert.Equal(429, retry.StatusCode);
        Assert.Single(handler.Requests);

        // Time moves only when the test says so: the second attempt waits for the full 7 s.
        for (var step = 0; step < 100 && handler.Requests.Count < 2; step++)
        {
            Assert.InRange(time.GetUtcNow() - time.Start, TimeSpan.Zero, TimeSpan.FromSeconds(8));
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await request;
        Assert.InRange(time.GetUtcNow() - time.Start, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(8));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_limit_fails_at_once()
    {
        var handler = new ScriptedHandler(Json(HttpStatusCode.TooManyRequests, "{\"error\":\"slow_down\"}", TimeSpan.FromMinutes(10)));
        using var client = Client(handler);
        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());
        Assert.Single(handler.Requests);
        Assert.Equal(429, e.StatusCode);
    }

    [Fact]
    public async Task The_timeout_covers_all_attempts()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new ScriptedHandler(s_ok) { Hang = ct => Task.Delay(Timeout.InfiniteTimeSpan, time, ct) };
        using var client = Client(handler, time, timeout: TimeSpan.FromSeconds(5));

        var request = client.RequestSystemTokenAsync();
        Eventually(() => handler.Requests.Count == 1, "the request is in flight");
        for (var step = 0; step < 100 && !request.IsCompleted; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => request);
        Assert.Equal(TokenErrorKind.Timeout, e.Kind);
        Assert.Null(e.StatusCode);
        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_token_error()
    {
        var handler = new ScriptedHandler(s_ok) { Hang = ct => Task.Delay(Timeout.InfiniteTimeSpan, ct) };
        using var client = Client(handler);
        using var cts = new CancellationTokenSource();
        var request = client.RequestSystemTokenAsync(cts.Token);
        Eventually(() => handler.Requests.Count == 1, "the request is in flight");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        Assert.Single(handler.Requests);
    }
}
