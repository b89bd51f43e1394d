namespace AgentGateway.Engine.Tokens;

/// <summary>
/// What the MCP layer needs of the token provider: a token to send, and a way to say that the
/// server rejected one (401) so that it is dropped and renewed.
/// </summary>
internal interface IAccessTokenSource
{
    /// <summary>
    /// The system token when <paramref name="userJwt"/> is null, else the user's exchanged token.
    /// Served from the cache when valid; fetched once for many concurrent callers otherwise.
    /// </summary>
    ValueTask<AccessToken> GetTokenAsync(string? userJwt, CancellationToken cancellationToken);

    /// <summary>
    /// Drops the cached token for <paramref name="userJwt"/> only if it is still
    /// <paramref name="rejected"/>; a token renewed meanwhile is kept.
    /// </summary>
    void Invalidate(string? userJwt, AccessToken rejected);

    /// <summary>
    /// The key under which this source keeps the token of <paramref name="userJwt"/> (a hash: never the JWT).
    /// A caller that asks often for one JWT computes it once and passes it to the keyed overloads, so the JWT
    /// is hashed once per call (<see cref="Mcp.Transport.McpAuth"/> does). Sources without a cache may return any stable key.
    /// </summary>
    string UserKeyOf(string userJwt) => TokenCacheKeys.UserKey(userJwt, string.Empty);

    /// <summary><see cref="GetTokenAsync(string?, CancellationToken)"/> with the <see cref="UserKeyOf"/> of <paramref name="userJwt"/> computed already (null for the system token).</summary>
    ValueTask<AccessToken> GetTokenAsync(string? userJwt, string? userKey, CancellationToken cancellationToken) =>
        GetTokenAsync(userJwt, cancellationToken);

    /// <summary>
    /// <see cref="GetTokenAsync(string?, string?, CancellationToken)"/> for a request that ends an MCP session (the
    /// DELETE of a pooled client being closed): a source with counters counts it apart from the calls' lookups.
    /// </summary>
    ValueTask<AccessToken> GetTokenToEndSessionAsync(string? userJwt, string? userKey, CancellationToken cancellationToken) =>
        GetTokenAsync(userJwt, userKey, cancellationToken);

    /// <summary><see cref="Invalidate(string?, AccessToken)"/> with the <see cref="UserKeyOf"/> of <paramref name="userJwt"/> computed already.</summary>
    void Invalidate(string? userJwt, string? userKey, AccessToken rejected) => Invalidate(userJwt, rejected);

    /// <summary>
    /// Whether the token of <paramref name="userJwt"/> is being fetched now (so a wait that ran out meanwhile is the
    /// token service's); false for sources that fetch nothing.
    /// </summary>
    bool IsFetching(string? userJwt, string? userKey) => false;

    /// <summary>Where this source fetches its tokens, for messages; null for sources that fetch nothing.</summary>
    Uri? TokenServiceUrl => null;
}
