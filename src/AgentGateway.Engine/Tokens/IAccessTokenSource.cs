namespace AgentGateway.Engine.Tokens;

/// <summary>
/// What the MCP layer needs of the token provider: a token to send, and a way to say that the
/// server rejected one (401) so that it is dropped and renewed.
/// </summary>
public interface IAccessTokenSource
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
}
