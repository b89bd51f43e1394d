using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Tokens;

/// <summary>A fetch from the token service: one per key, owned by no caller, written to its shared log, and its token checked before it is cached.</summary>
internal sealed partial class TokenProvider
{
    /// <summary>
    /// Joins the fetch of <paramref name="key"/> in flight or starts one (counted); under the lock. <paramref name="log"/>
    /// is that fetch's shared log, for the caller to attach to while it waits.
    /// </summary>
    private Task<Fetched> StartFetchLocked(string key, string? userJwt, TokenKind kind, bool renewal, out bool started, out SharedCallLog? log)
    {
        var generation = kind == TokenKind.System ? _systemGeneration : _userGeneration;

        // The fetch belongs to no caller: it neither sees a caller's cancellation nor writes to a caller's CallLog
        // (which may be gone when it ends). It writes to its own shared log, which every waiter attaches to while it
        // waits; fetches are started and joined only under the lock, so a joiner always finds the log of its fetch.
        var fresh = new SharedCallLog();
        var pending = _fetches.Run(key, (k, ct) => FetchAsync(fresh, k, userJwt, kind, generation, ct), timeout: null, out started);
        if (!started)
        {
            log = _fetchLogs.TryGetValue(pending, out var running) ? running : null;
            return pending;
        }

        _fetchLogs.AddOrUpdate(pending, fresh);
        log = fresh;
        _tokenRequests++;
        if (renewal)
        {
            _invalidated.Remove(key);
            _renewals++;
        }

        return pending;
    }

    private async Task<Fetched> FetchAsync(SharedCallLog log, string key, string? userJwt, TokenKind kind, int generation, CancellationToken cancellationToken)
    {
        // This flow's ambient log (an async method's AsyncLocal change stays in it): the token client's lines go to the waiters.
        using var logScope = CallLog.Use(log);
        TokenResponse response;
        try
        {
            response = await _fetcher.FetchAsync(userJwt, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException("The token provider was disposed while a token request was in flight.", e);
        }

        var config = Config;
        var now = _time.GetUtcNow();
        var fetchedAt = _time.GetTimestamp();
        var expiry = TokenExpiry.Compute(response, now, config.TokenExpiryBuffer, config.FallbackTokenTtl);
        if (expiry.ServableLifetime <= TimeSpan.Zero)
        {
            throw ExpiredOnArrival(kind, expiry);
        }

        var token = new AccessToken(response.AccessToken, kind, now + expiry.ServableLifetime);
        var stored = false;
        lock (_gate)
        {
            // Not cached: a token fetched before a Clear.
            var current = kind == TokenKind.System ? _systemGeneration : _userGeneration;
            if (current == generation)
            {
                _evictions += CacheOf(kind).Set(key, new CachedToken(token, fetchedAt, expiry.ReportedLifetime, expiry.BufferApplies, JwtReader.TryReadClaims(response.AccessToken)));
                stored = true;
            }
        }

        return new Fetched(token, expiry, response.Attempts, stored, response.RetryCauses);
    }

    /// <summary>A token that is already expired, or inside the buffer: refused with what was returned and what is in force.</summary>
    private TokenRequestException ExpiredOnArrival(TokenKind kind, TokenExpiryResult expiry)
    {
        var buffer = expiry.BufferApplies ? Config.TokenExpiryBuffer : TimeSpan.Zero;
        return new TokenRequestException(
            Invariant($"The token service returned a {kind} token that expires at {expiry.ReportedExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (from {expiry.Source}), ") +
            Invariant($"already past or inside the expiry buffer of {buffer.TotalSeconds:0} s; it was not sent. ") +
            "The token service's clock or its token lifetime is off, or the buffer is longer than the tokens it issues.",
            kind, Credentials.TokenServiceUrl, null, null, null, 1)
        {
            Kind = TokenErrorKind.ExpiredOnArrival,
        };
    }

    private sealed record Fetched(AccessToken Token, TokenExpiryResult Expiry, int Attempts, bool Cached, IReadOnlyList<string> RetryCauses);
}
