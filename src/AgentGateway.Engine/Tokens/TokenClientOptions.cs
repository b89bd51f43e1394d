namespace AgentGateway.Engine.Tokens;

/// <summary>Retry behaviour of <see cref="TokenClient"/>. All of it runs inside the configured Timeout.</summary>
internal sealed record TokenClientOptions
{
    public static TokenClientOptions Default { get; } = new();

    /// <summary>Retries after the first attempt for a transient failure (connection error, 408, 429, 5xx).</summary>
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>The first backoff delay; it doubles each retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(400);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    public bool UseJitter { get; init; } = true;

    /// <summary>A Retry-After longer than this is not waited for: the request fails with the 429/503.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told of every retry (attempt number, delay, status or exception type); for diagnostics and tests.</summary>
    public Action<TokenRetryInfo>? OnRetry { get; init; }
}

/// <summary>One retry: <paramref name="FailedAttempt"/> (1-based) failed with <paramref name="StatusCode"/> or <paramref name="ExceptionType"/>, the next comes after <paramref name="Delay"/>.</summary>
internal sealed record TokenRetryInfo(int FailedAttempt, TimeSpan Delay, int? StatusCode, string? ExceptionType, bool FromRetryAfter);
