namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Counters of a token provider since it was made (a snapshot).
/// </summary>
/// <param name="Hits">Calls served from the cache.</param>
/// <param name="Misses">Calls that found no servable token and waited for a fetch (their own or a shared one).</param>
/// <param name="TokenRequests">Fetches started (one per key however many callers wait; retries inside count once).</param>
/// <param name="Renewals">Fetches that replace a token: refresh-ahead and the fetch after an invalidation.</param>
/// <param name="Evictions">Entries dropped for the size bound or because they expired.</param>
/// <param name="Invalidations">Entries dropped because a server rejected their token.</param>
/// <param name="SystemEntries">System tokens cached now.</param>
/// <param name="UserEntries">User tokens cached now.</param>
internal sealed record TokenCacheStatistics(
    long Hits,
    long Misses,
    long TokenRequests,
    long Renewals,
    long Evictions,
    long Invalidations,
    int SystemEntries,
    int UserEntries)
{
    /// <summary>
    /// Tokens taken to end MCP sessions (the DELETE of a pooled client being closed); counted here, not in
    /// <see cref="Hits"/> or <see cref="Misses"/>.
    /// </summary>
    public long SessionEnds { get; init; }

    /// <summary>The counters of a session that has no token provider yet.</summary>
    public static TokenCacheStatistics Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>A cached token as a user may see it: no token, no JWT.</summary>
/// <param name="Kind">System or user token.</param>
/// <param name="Fingerprint">The token's fingerprint (first 8 hex digits of its SHA-256).</param>
/// <param name="ExpiresAt">When it stops being served (UTC): its expiry less the buffer.</param>
/// <param name="Remaining">How long it will still be served.</param>
/// <param name="RefreshDue">Whether it is inside its refresh window (the next call starts a background refresh).</param>
internal sealed record TokenCacheEntry(TokenKind Kind, string Fingerprint, DateTimeOffset ExpiresAt, TimeSpan Remaining, bool RefreshDue)
{
    /// <summary>The token's <c>sub</c> (a JWT access token, read without validation; null for an opaque token).</summary>
    public string? Subject { get; init; }

    /// <summary>The token's <c>iss</c>.</summary>
    public string? Issuer { get; init; }

    /// <summary>The token's <c>aud</c> (comma-separated when several).</summary>
    public string? Audience { get; init; }

    /// <summary>The token's <c>scope</c> or <c>scp</c> (space-separated).</summary>
    public string? Scopes { get; init; }

    /// <summary>The token's <c>iat</c>.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>The resource the token was asked for (RFC 8707); for a sign-in token only.</summary>
    public string? Resource { get; init; }

    /// <summary>The client the token was issued to; for a sign-in token only.</summary>
    public string? ClientId { get; init; }

    /// <summary>The MCP endpoint the token is used for; for a sign-in token only.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The token's own <c>exp</c> (<see cref="ExpiresAt"/> is when the cache stops serving it: earlier, by the buffer).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}
