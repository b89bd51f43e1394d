using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Configuration;

/// <summary>What Get-AgwClientConfig shows: the config in force and where credentials would come from. No secret.</summary>
internal sealed record ClientConfigReport
{
    public required TimeSpan Timeout { get; init; }

    public required TimeSpan TokenExpiryBuffer { get; init; }

    public required TimeSpan FallbackTokenTtl { get; init; }

    public required int MaxSystemTokenCacheSize { get; init; }

    public required int MaxUserTokenCacheSize { get; init; }

    public required int MaxMcpSessionCount { get; init; }

    public required TimeSpan McpSessionIdle { get; init; }

    public required TimeSpan ToolListCacheTtl { get; init; }

    /// <summary>The most one MCP answer (a JSON body, or one event of a stream) may hold, in MB.</summary>
    public required double MaxResponseSizeMB { get; init; }

    public string? CredentialPath { get; init; }

    public string? TrustedCaPath { get; init; }

    /// <summary>The proxy set for the client (null: the environment's, see <see cref="ProxyInUse"/>).</summary>
    public Uri? Proxy { get; init; }

    /// <summary>The user name of the proxy credentials set (never the password), or null.</summary>
    public string? ProxyUser { get; init; }

    /// <summary>No proxy at all, whatever the environment says.</summary>
    public bool NoProxy { get; init; }

    /// <summary>Which proxy the gateway's requests take and why (the config, the environment, NO_PROXY), when the credentials load.</summary>
    public string? ProxyInUse { get; init; }

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

    /// <summary>Below this many days of validity left, the client certificate is reported as expiring soon.</summary>
    public const int CertificateWarningDays = 14;

    /// <summary>The subject of the client certificate of the credentials (standard mode), when they load.</summary>
    public string? CertificateSubject => Credentials?.CertificateSubject;

    /// <summary>When the client certificate of the credentials expires (standard mode), when they load.</summary>
    public DateTimeOffset? CertificateNotAfter => Credentials?.CertificateNotAfter;

    /// <summary>Whole days from when the report was made until <see cref="CertificateNotAfter"/> (negative once expired).</summary>
    public int? CertificateDaysLeft { get; init; }

    /// <summary>True when the client certificate has less than <see cref="CertificateWarningDays"/> days left.</summary>
    public bool CertificateExpiresSoon => CertificateDaysLeft < CertificateWarningDays;

    /// <summary>
    /// This report with the credentials and, for a client certificate, the days it has left at <paramref name="now"/>.
    /// </summary>
    public ClientConfigReport WithCredentials(CredentialsReport credentials, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return this with
        {
            Credentials = credentials,
            CertificateDaysLeft = credentials.CertificateNotAfter is { } notAfter ? (int)Math.Floor((notAfter - now).TotalDays) : null,
        };
    }

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
            MaxResponseSizeMB = config.MaxResponseSizeMB,
            CredentialPath = config.CredentialPath,
            TrustedCaPath = config.TrustedCaPath,
            Proxy = config.Proxy,
            ProxyUser = config.ProxyCredential?.UserName,
            NoProxy = config.NoProxy,
            CredentialSource = source.Kind,
            CredentialLocation = source.Location,
        };
    }
}
