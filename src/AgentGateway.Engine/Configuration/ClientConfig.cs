namespace AgentGateway.Engine.Configuration;

/// <summary>
/// The client configuration of one runspace session. Immutable: a change makes a new
/// instance through <see cref="With"/>, which validates the whole combination at once.
/// </summary>
public sealed record ClientConfig
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultTokenExpiryBuffer = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultFallbackTokenTtl = TimeSpan.FromSeconds(300);
    public const int DefaultMaxSystemTokenCacheSize = 10;
    public const int DefaultMaxUserTokenCacheSize = 10;
    public const int DefaultMaxMcpSessionCount = 32;
    public static readonly TimeSpan DefaultMcpSessionIdle = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan DefaultToolListCacheTtl = TimeSpan.FromSeconds(300);

    /// <summary>The defaults of the design table.</summary>
    public static ClientConfig Default { get; } = new();

    private ClientConfig()
    {
    }

    /// <summary>How long one HTTP operation (a token request, an MCP call) may take.</summary>
    public TimeSpan Timeout { get; private init; } = DefaultTimeout;

    /// <summary>Subtracted from a token's reported lifetime: a token is never sent once inside it.</summary>
    public TimeSpan TokenExpiryBuffer { get; private init; } = DefaultTokenExpiryBuffer;

    /// <summary>The lifetime of a token whose response tells none.</summary>
    public TimeSpan FallbackTokenTtl { get; private init; } = DefaultFallbackTokenTtl;

    public int MaxSystemTokenCacheSize { get; private init; } = DefaultMaxSystemTokenCacheSize;

    public int MaxUserTokenCacheSize { get; private init; } = DefaultMaxUserTokenCacheSize;

    /// <summary>The most MCP sessions kept open per runspace; the least recently used idle one is closed first.</summary>
    public int MaxMcpSessionCount { get; private init; } = DefaultMaxMcpSessionCount;

    /// <summary>An MCP session unused this long is closed in the background.</summary>
    public TimeSpan McpSessionIdle { get; private init; } = DefaultMcpSessionIdle;

    /// <summary>How long a tool listing is used for argument checks (a shorter TTL the server gives wins).</summary>
    public TimeSpan ToolListCacheTtl { get; private init; } = DefaultToolListCacheTtl;

    /// <summary>An explicit credentials file; when set it wins over every other source.</summary>
    public string? CredentialPath { get; private init; }

    /// <summary>
    /// A PEM file of CA certificates trusted, in addition to the system store, for the token
    /// service and the gateway (a private or test CA); verification is never switched off.
    /// </summary>
    public string? TrustedCaPath { get; private init; }

    /// <summary>
    /// Returns a validated copy with the given fields changed; a null argument keeps the field.
    /// An invalid combination throws <see cref="ClientConfigException"/> and changes nothing.
    /// </summary>
    public ClientConfig With(
        TimeSpan? timeout = null,
        TimeSpan? tokenExpiryBuffer = null,
        TimeSpan? fallbackTokenTtl = null,
        int? maxSystemTokenCacheSize = null,
        int? maxUserTokenCacheSize = null,
        Optional<string?> credentialPath = default,
        Optional<string?> trustedCaPath = default,
        int? maxMcpSessionCount = null,
        TimeSpan? mcpSessionIdle = null,
        TimeSpan? toolListCacheTtl = null)
    {
        var next = this with
        {
            Timeout = timeout ?? Timeout,
            TokenExpiryBuffer = tokenExpiryBuffer ?? TokenExpiryBuffer,
            FallbackTokenTtl = fallbackTokenTtl ?? FallbackTokenTtl,
            MaxSystemTokenCacheSize = maxSystemTokenCacheSize ?? MaxSystemTokenCacheSize,
            MaxUserTokenCacheSize = maxUserTokenCacheSize ?? MaxUserTokenCacheSize,
            CredentialPath = credentialPath.HasValue ? Normalize(credentialPath.Value) : CredentialPath,
            TrustedCaPath = trustedCaPath.HasValue ? Normalize(trustedCaPath.Value) : TrustedCaPath,
            MaxMcpSessionCount = maxMcpSessionCount ?? MaxMcpSessionCount,
            McpSessionIdle = mcpSessionIdle ?? McpSessionIdle,
            ToolListCacheTtl = toolListCacheTtl ?? ToolListCacheTtl,
        };
        next.Validate();
        return next;
    }

    private static string? Normalize(string? path) => string.IsNullOrWhiteSpace(path) ? null : path;

    private void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            throw new ClientConfigException(nameof(Timeout), $"Timeout must be greater than 0 seconds (got {Timeout.TotalSeconds} s).");
        }

        if (FallbackTokenTtl <= TimeSpan.Zero)
        {
            throw new ClientConfigException(nameof(FallbackTokenTtl), $"FallbackTokenTtl must be greater than 0 seconds (got {FallbackTokenTtl.TotalSeconds} s).");
        }

        if (TokenExpiryBuffer < TimeSpan.Zero)
        {
            throw new ClientConfigException(nameof(TokenExpiryBuffer), $"TokenExpiryBuffer must not be negative (got {TokenExpiryBuffer.TotalSeconds} s).");
        }

        if (TokenExpiryBuffer >= FallbackTokenTtl)
        {
            throw new ClientConfigException(
                nameof(TokenExpiryBuffer),
                $"TokenExpiryBuffer ({TokenExpiryBuffer.TotalSeconds} s) must be less than FallbackTokenTtl ({FallbackTokenTtl.TotalSeconds} s).");
        }

        if (MaxSystemTokenCacheSize < 1)
        {
            throw new ClientConfigException(nameof(MaxSystemTokenCacheSize), $"MaxSystemTokenCacheSize must be at least 1 (got {MaxSystemTokenCacheSize}).");
        }

        if (MaxUserTokenCacheSize < 1)
        {
            throw new ClientConfigException(nameof(MaxUserTokenCacheSize), $"MaxUserTokenCacheSize must be at least 1 (got {MaxUserTokenCacheSize}).");
        }

        if (MaxMcpSessionCount < 1)
        {
            throw new ClientConfigException(nameof(MaxMcpSessionCount), $"MaxMcpSessionCount must be at least 1 (got {MaxMcpSessionCount}).");
        }

        if (McpSessionIdle <= TimeSpan.Zero)
        {
            throw new ClientConfigException(nameof(McpSessionIdle), $"McpSessionIdle must be greater than 0 seconds (got {McpSessionIdle.TotalSeconds} s).");
        }

        if (ToolListCacheTtl <= TimeSpan.Zero)
        {
            throw new ClientConfigException(nameof(ToolListCacheTtl), $"ToolListCacheTtl must be greater than 0 seconds (got {ToolListCacheTtl.TotalSeconds} s).");
        }
    }
}
