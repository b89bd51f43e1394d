using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Configuration;

/// <summary>What Get-AgwClientConfig shows: the config in force and where credentials would come from. No secret.</summary>
public sealed record ClientConfigReport
{
    public required TimeSpan Timeout { get; init; }

    public required TimeSpan TokenExpiryBuffer { get; init; }

    public required TimeSpan FallbackTokenTtl { get; init; }

    public required int MaxSystemTokenCacheSize { get; init; }

    public required int MaxUserTokenCacheSize { get; init; }

    public required int MaxMcpSessionCount { get; init; }

    public required TimeSpan McpSessionIdle { get; init; }

    public required TimeSpan ToolListCacheTtl { get; init; }

    public string? CredentialPath { get; init; }

    public string? TrustedCaPath { get; init; }

    public required CredentialSourceKind CredentialSource { get; init; }

    /// <summary>The file, folder or variable the credentials would be read from.</summary>
    public string? CredentialLocation { get; init; }

    /// <summary>The resolved credentials (client id, URLs, mode, dependencies; never the certificate or key), when they load.</summary>
    public CredentialsReport? Credentials { get; init; }

    /// <summary>Why the credentials did not load, when a source was found but is unusable.</summary>
    public string? CredentialError { get; init; }

    public string? ClientId => Credentials?.ClientId;

    public Uri? TokenServiceUrl => Credentials?.TokenServiceUrl;

    public Uri? GatewayUrl => Credentials?.GatewayUrl;

    public CredentialMode? Mode => Credentials?.Mode;

    public IReadOnlyList<IntegrationDependency> Dependencies => Credentials?.Dependencies ?? [];

    public static ClientConfigReport From(ClientConfig config, CredentialSource source)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(source);
        return new ClientConfigReport
        {
            Timeout = config.Timeout,
            TokenExpiryBuffer = config.TokenExpiryBuffer,
            FallbackTokenTtl = config.FallbackTokenTtl,
            MaxSystemTokenCacheSize = config.MaxSystemTokenCacheSize,
            MaxUserTokenCacheSize = config.MaxUserTokenCacheSize,
            MaxMcpSessionCount = config.MaxMcpSessionCount,
            McpSessionIdle = config.McpSessionIdle,
            ToolListCacheTtl = config.ToolListCacheTtl,
            CredentialPath = config.CredentialPath,
            TrustedCaPath = config.TrustedCaPath,
            CredentialSource = source.Kind,
            CredentialLocation = source.Location,
        };
    }
}
