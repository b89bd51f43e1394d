using AgentGateway.Engine.Configuration;

namespace AgentGateway;

/// <summary>
/// The client configuration of a runspace, as Get-AgwClientConfig and Set-AgwClientConfig -PassThru emit it: one
/// property per setting, named as Set-AgwClientConfig's parameter (durations as seconds, their TimeSpan beside),
/// then where the credentials come from and, when they load, what they say (never a key, certificate body or token).
/// </summary>
/// <remarks>
/// A new setting is one property here, one line in <see cref="From"/> and one line in the Format.ps1xml list view.
/// Only types of the base library: a public type of this assembly must not need the engine to be scanned.
/// </remarks>
public sealed class AgwClientConfig
{
    private AgwClientConfig()
    {
    }

    /// <summary>How long one token request or MCP call may take, in seconds.</summary>
    public double TimeoutSec { get; private init; }

    public TimeSpan Timeout { get; private init; }

    /// <summary>How long before its expiry a token stops being sent, in seconds.</summary>
    public double TokenExpiryBufferSec { get; private init; }

    public TimeSpan TokenExpiryBuffer { get; private init; }

    /// <summary>The lifetime assumed for a token whose response and JWT name none, in seconds.</summary>
    public double FallbackTokenTtlSec { get; private init; }

    public TimeSpan FallbackTokenTtl { get; private init; }

    public int MaxSystemTokenCacheSize { get; private init; }

    public int MaxUserTokenCacheSize { get; private init; }

    public int MaxMcpSessionCount { get; private init; }

    /// <summary>How long a pooled MCP client may stay unused before it is closed, in seconds.</summary>
    public double McpSessionIdleSec { get; private init; }

    public TimeSpan McpSessionIdle { get; private init; }

    /// <summary>How long a tool listing is reused, in seconds.</summary>
    public double ToolListCacheSec { get; private init; }

    public TimeSpan ToolListCacheTtl { get; private init; }

    /// <summary>The most one MCP answer (a JSON body, or one event of a stream) may hold, in MB.</summary>
    public double MaxResponseSizeMB { get; private init; }

    /// <summary>The proxy set for this runspace (null: the environment's, see <see cref="ProxyInUse"/>).</summary>
    public Uri? Proxy { get; private init; }

    /// <summary>The user name of the proxy's credentials (never the password).</summary>
    public string? ProxyUser { get; private init; }

    /// <summary>No proxy at all, whatever the environment says.</summary>
    public bool NoProxy { get; private init; }

    /// <summary>The proxy requests go through now, as the environment and the settings make it (null: none).</summary>
    public string? ProxyInUse { get; private init; }

    public string? CredentialPath { get; private init; }

    public string? TrustedCaPath { get; private init; }

    /// <summary>Where the credentials come from: Explicit, ServiceBinding, Environment or None.</summary>
    public string CredentialSource { get; private init; } = "None";

    /// <summary>The file, folder or variable the credentials would be read from.</summary>
    public string? CredentialLocation { get; private init; }

    /// <summary>Why the credentials did not load, when a source was found but is unusable.</summary>
    public string? CredentialError { get; private init; }

    public string? ClientId { get; private init; }

    /// <summary>Standard (a client certificate) or Transparent (no certificate).</summary>
    public string? Mode { get; private init; }

    public Uri? TokenServiceUrl { get; private init; }

    public Uri? GatewayUrl { get; private init; }

    /// <summary>The MCP servers the credentials may call.</summary>
    public IReadOnlyList<AgwIntegrationDependency> Dependencies { get; private init; } = [];

    /// <summary>The subject of the client certificate (standard mode), when the credentials load.</summary>
    public string? CertificateSubject { get; private init; }

    /// <summary>SHA-256 thumbprint (hex) of the client certificate.</summary>
    public string? CertificateThumbprint { get; private init; }

    /// <summary>When the client certificate expires, UTC.</summary>
    public DateTimeOffset? CertificateNotAfter { get; private init; }

    /// <summary>Whole days left until <see cref="CertificateNotAfter"/> (negative once expired).</summary>
    public int? CertificateDaysLeft { get; private init; }

    /// <summary>True when the client certificate has less than 14 days left (Get-AgwClientConfig then warns).</summary>
    public bool CertificateExpiresSoon { get; private init; }

    /// <summary>How the module is known to each authorization server of MCP servers outside the gateway (Set-AgwOAuthClient; never a secret).</summary>
    public AgwOAuthClient[] OAuthClients { get; private set; } = [];

    /// <summary>The client certificates configured for MCP endpoints (Set-AgwClientCertificate): subject, thumbprint, expiry; never a key.</summary>
    public AgwClientCertificate[] EndpointCertificates { get; private set; } = [];

    public override string ToString() =>
        ClientId is null ? $"Client config, credentials: {CredentialSource}" : $"Client config, credentials: {CredentialSource} ({ClientId})";

    /// <summary>This config with the runspace's authorization server clients (Get-AgwOAuthClient's objects).</summary>
    internal AgwClientConfig WithOAuthClients(IEnumerable<AgwOAuthClient> clients)
    {
        OAuthClients = [.. clients];
        return this;
    }

    /// <summary>This report with the client certificates of MCP endpoints (Get-AgwClientCertificate's objects).</summary>
    internal AgwClientConfig WithEndpointCertificates(IEnumerable<AgwClientCertificate> certificates)
    {
        EndpointCertificates = [.. certificates];
        return this;
    }

    internal static AgwClientConfig From(ClientConfigReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new AgwClientConfig
        {
            TimeoutSec = report.Timeout.TotalSeconds,
            Timeout = report.Timeout,
            TokenExpiryBufferSec = report.TokenExpiryBuffer.TotalSeconds,
            TokenExpiryBuffer = report.TokenExpiryBuffer,
            FallbackTokenTtlSec = report.FallbackTokenTtl.TotalSeconds,
            FallbackTokenTtl = report.FallbackTokenTtl,
            MaxSystemTokenCacheSize = report.MaxSystemTokenCacheSize,
            MaxUserTokenCacheSize = report.MaxUserTokenCacheSize,
            MaxMcpSessionCount = report.MaxMcpSessionCount,
            McpSessionIdleSec = report.McpSessionIdle.TotalSeconds,
            McpSessionIdle = report.McpSessionIdle,
            ToolListCacheSec = report.ToolListCacheTtl.TotalSeconds,
            ToolListCacheTtl = report.ToolListCacheTtl,
            MaxResponseSizeMB = report.MaxResponseSizeMB,
            Proxy = report.Proxy,
            ProxyUser = report.ProxyUser,
            NoProxy = report.NoProxy,
            ProxyInUse = report.ProxyInUse,
            CredentialPath = report.CredentialPath,
            TrustedCaPath = report.TrustedCaPath,
            CredentialSource = report.CredentialSource.ToString(),
            CredentialLocation = report.CredentialLocation,
            CredentialError = report.CredentialError,
            ClientId = report.ClientId,
            Mode = report.Mode?.ToString(),
            TokenServiceUrl = report.TokenServiceUrl,
            GatewayUrl = report.GatewayUrl,
            Dependencies = [.. report.Dependencies.Select(d => new AgwIntegrationDependency(d.OrdId, d.GlobalTenantId))],
            CertificateSubject = report.CertificateSubject,
            CertificateThumbprint = report.Credentials?.CertificateThumbprint,
            CertificateNotAfter = report.CertificateNotAfter,
            CertificateDaysLeft = report.CertificateDaysLeft,
            CertificateExpiresSoon = report.CertificateExpiresSoon,
        };
    }
}
