using System.Globalization;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A server's push-back, waited out: every request to the endpoint holds a place of the endpoint's
/// <see cref="AdaptiveConcurrencyLimit"/> while it is sent (so the calls of a batch slow down together); a 429 (the
/// request was not processed, so any request may be sent again, a tools/call included) is waited out, for the
/// server's Retry-After or else an exponential backoff, and sent again, at most <c>maxAttempts</c> times in all and
/// never past the operation's time; a 503 with Retry-After the same, but only for a request safe to repeat (a gateway
/// may answer 503 after the tool ran). What remains a 429 or 503 goes on as it came, for the translation.
/// </summary>
internal sealed class McpQuotaHandler : DelegatingHandler
{
    private readonly AdaptiveConcurrencyLimit _limit;
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxRetryAfter;
    private readonly TimeProvider _time;

    public McpQuotaHandler(AdaptiveConcurrencyLimit limit, int maxAttempts, TimeSpan baseDelay, TimeSpan maxRetryAfter, TimeProvider? time = null)
    {
        _limit = limit;
        _maxAttempts = Math.Max(1, maxAttempts);
        _baseDelay = baseDelay;
        _maxRetryAfter = maxRetryAfter;
        _time = time ?? TimeProvider.System;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var method = McpRpcRequestHandler.MethodOf(request);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            using (await _limit.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var status = (int)response.StatusCode;
            var retryAfter = RetryAfter(response);
            var pushBack = status == 429 || (status == 503 && retryAfter is not null);
            if (!pushBack)
            {
                if (status < 400)
                {
                    _limit.OnSuccess();
                }

                return response;
            }

            var wait = retryAfter ?? Backoff(attempt);
            var left = McpCallClock.Current?.Remaining;
            var why = status == 429 ? "the server is throttling (HTTP 429)" : "the server is unavailable (HTTP 503)";
            var said = retryAfter is null ? "no Retry-After" : Invariant($"Retry-After {retryAfter.Value.TotalSeconds:0.###} s");
            var where = request.RequestUri?.GetLeftPart(UriPartial.Path);
            _limit.OnThrottled(status == 429 ? (wait < _maxRetryAfter ? wait : _maxRetryAfter) : TimeSpan.Zero);
            var stop = status == 503 && !McpTransientRetryHandler.IsIdempotent(method) ? "a tool call is not sent again after a 503 (the tool may have run)"
                : attempt >= _maxAttempts ? Invariant($"{attempt} attempts made")
                : wait > _maxRetryAfter ? Invariant($"the wait asked for is longer than {_maxRetryAfter.TotalSeconds:0.###} s")
                : left is { } l && wait >= l ? Invariant($"the wait asked for is longer than the {l.TotalSeconds:0.###} s left of the operation")
                : null;
            if (stop is not null)
            {
                CallLog.Verbose($"MCP {method} to {where}: {why}, {said}; not sent again: {stop}.");
                return response;
            }

            CallLog.Verbose(
                $"MCP {method} to {where}: {why}, {said}; waiting {wait.TotalSeconds:0.###} s, then attempt {attempt + 1} of {_maxAttempts} (requests in flight to this endpoint now limited to {_limit.Current}).");
            response.Dispose();
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The exponential backoff of <paramref name="attempt"/> (1, 2, 4, ... times the base), with jitter.</summary>
    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(_baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.8 + (Random.Shared.NextDouble() * 0.4)));

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
