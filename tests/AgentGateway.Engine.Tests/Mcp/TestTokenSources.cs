using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Mcp;

/// <summary>Hands out token-1, token-2, … ; a token stays current until invalidated (invalidate-if-same).</summary>
internal sealed class CountingTokenSource : IAccessTokenSource
{
    private readonly Lock _gate = new();
    private AccessToken? _current;
    private int _issued;

    public int Issued => _issued;

    public List<(string? UserJwt, string Fingerprint)> Invalidated { get; } = [];

    public List<string?> Requests { get; } = [];

    /// <summary>The user keys the caller passed with each request (null: none passed, the source would hash the JWT itself).</summary>
    public List<string?> RequestKeys { get; } = [];

    /// <summary>How many times a user JWT was hashed into a key.</summary>
    public int KeysComputed => _keysComputed;

    private int _keysComputed;

    public string UserKeyOf(string userJwt)
    {
        Interlocked.Increment(ref _keysComputed);
        return TokenCacheKeys.UserKey(userJwt, "test");
    }

    public ValueTask<AccessToken> GetTokenAsync(string? userJwt, string? userKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequestKeys.Add(userKey);
        }

        return GetTokenAsync(userJwt, cancellationToken);
    }

    public ValueTask<AccessToken> GetTokenAsync(string? userJwt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Requests.Add(userJwt);
            _current ??= new AccessToken($"token-{++_issued}", userJwt is null ? TokenKind.System : TokenKind.User, DateTimeOffset.UtcNow.AddHours(1));
            return new ValueTask<AccessToken>(_current);
        }
    }

    public void Invalidate(string? userJwt, AccessToken rejected)
    {
        lock (_gate)
        {
            Invalidated.Add((userJwt, rejected.Fingerprint));
            if (ReferenceEquals(_current, rejected))
            {
                _current = null;
            }
        }
    }
}
