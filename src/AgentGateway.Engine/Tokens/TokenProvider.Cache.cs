using System.Globalization;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Tokens;

/// <summary>The cache seen from outside a fetch: a rejected token dropped (invalidate-if-same), a kind cleared, new bounds taken, the statistics and the entries shown.</summary>
internal sealed partial class TokenProvider
{
    /// <inheritdoc/>
    public void Invalidate(string? userJwt, AccessToken rejected) => Invalidate(userJwt, null, rejected);

    /// <inheritdoc cref="IAccessTokenSource.Invalidate(string?, string?, AccessToken)"/>
    public void Invalidate(string? userJwt, string? userKey, AccessToken rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        if (Volatile.Read(ref _disposed) != 0 || userJwt is { Length: 0 })
        {
            return;
        }

        var kind = userJwt is null ? TokenKind.System : TokenKind.User;
        var key = userJwt is null ? _systemKey : userKey ?? TokenCacheKeys.UserKey(userJwt, _systemKey);
        var cache = CacheOf(kind);
        bool dropped;
        AccessToken? current;
        lock (_gate)
        {
            dropped = cache.RemoveIf(key, e => string.Equals(e.Token.Value, rejected.Value, StringComparison.Ordinal));
            if (dropped)
            {
                _invalidations++;
                if (_invalidated.Count >= MaxRememberedInvalidations)
                {
                    _invalidated.Clear();
                }

                _invalidated.Add(key);
            }

            current = cache.Peek(key)?.Token;
        }

        if (dropped)
        {
            CallLog.Verbose($"Token {rejected.Fingerprint} was rejected: dropped the {Describe(kind, key)} from the cache.");
        }
        else if (current is null)
        {
            CallLog.Verbose($"Token {rejected.Fingerprint} was rejected; it is no longer cached.");
        }
        else
        {
            CallLog.Verbose($"Token {rejected.Fingerprint} was rejected; the cache already holds a renewed token {current.Fingerprint}, kept.");
        }
    }

    /// <summary>Drops every cached token, or only the system or only the user tokens.</summary>
    public void Clear(TokenKind? kind = null)
    {
        int system = 0, user = 0;
        lock (_gate)
        {
            if (kind is null or TokenKind.System)
            {
                system = _system.Clear();
                _systemGeneration++;
            }

            if (kind is null or TokenKind.User)
            {
                user = _user.Clear();
                _userGeneration++;
            }

            _invalidated.Clear();
        }

        CallLog.Verbose(CultureInfo.InvariantCulture, $"Token cache cleared: {system} system and {user} user token(s) dropped.");
    }

    /// <summary>Takes new bounds, buffer, fallback TTL and timeout; a smaller bound trims at once. Credentials and trust stay: a change of those needs a new provider.</summary>
    public void ApplyConfig(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int evicted;
        lock (_gate)
        {
            Volatile.Write(ref _config, config);
            evicted = _system.Resize(config.MaxSystemTokenCacheSize) + _user.Resize(config.MaxUserTokenCacheSize);
            _evictions += evicted;
        }

        _fetcher.Timeout = config.Timeout;
        if (evicted > 0)
        {
            CallLog.Verbose(CultureInfo.InvariantCulture, $"Token cache bounds lowered: {evicted} token(s) evicted.");
        }
    }

    /// <summary>Sets the counters (hits, misses, requests, renewals, evictions, invalidations) to 0; the cached tokens stay.</summary>
    public void ResetStatistics()
    {
        lock (_gate)
        {
            _hits = _misses = _tokenRequests = _renewals = _evictions = _invalidations = _sessionEnds = 0;
        }
    }

    public TokenCacheStatistics GetStatistics()
    {
        lock (_gate)
        {
            return new TokenCacheStatistics(_hits, _misses, _tokenRequests, _renewals, _evictions, _invalidations, _system.Count, _user.Count)
            {
                SessionEnds = _sessionEnds,
            };
        }
    }

    /// <summary>The cached tokens (system first, most recently used first), without any secret.</summary>
    public IReadOnlyList<TokenCacheEntry> GetEntries()
    {
        var now = _time.GetUtcNow();
        var list = new List<TokenCacheEntry>();
        foreach (var (kind, cache) in new[] { (TokenKind.System, _system), (TokenKind.User, _user) })
        {
            foreach (var (_, entry) in cache.Snapshot())
            {
                var remaining = Remaining(entry);
                if (remaining < TimeSpan.Zero)
                {
                    remaining = TimeSpan.Zero;
                }

                var claims = entry.Claims;
                list.Add(new TokenCacheEntry(kind, entry.Token.Fingerprint, (now + remaining).ToUniversalTime(), remaining, remaining > TimeSpan.Zero && IsRefreshDue(entry))
                {
                    Subject = claims?.Subject,
                    Issuer = claims?.Issuer,
                    Audience = claims?.Audience,
                    Scopes = claims?.Scopes,
                    IssuedAt = claims?.IssuedAt,
                    ExpiresOn = claims?.ExpiresOn,
                });
            }
        }

        return list;
    }
}
