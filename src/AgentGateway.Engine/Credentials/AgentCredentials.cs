using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Resolved credentials of the agent. In <see cref="CredentialMode.Standard"/> it owns the client
/// certificate (with its private key, in memory only) and disposes it. <see cref="ToString"/>
/// shows no secret.
/// </summary>
internal sealed class AgentCredentials : IDisposable
{
    public AgentCredentials(
        string clientId,
        Uri tokenServiceUrl,
        Uri gatewayUrl,
        IReadOnlyList<IntegrationDependency> dependencies,
        CredentialSource source,
        X509Certificate2? clientCertificate = null,
        X509Certificate2Collection? clientCertificateChain = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(tokenServiceUrl);
        ArgumentNullException.ThrowIfNull(gatewayUrl);
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(source);
        if (clientCertificate is not null && !clientCertificate.HasPrivateKey)
        {
            throw new ArgumentException("The client certificate must carry its private key.", nameof(clientCertificate));
        }

        ClientId = clientId;
        TokenServiceUrl = tokenServiceUrl;
        GatewayUrl = gatewayUrl;
        Dependencies = dependencies;
        Source = source;
        ClientCertificate = clientCertificate;
        ClientCertificateChain = clientCertificateChain ?? [];
        Mode = clientCertificate is null ? CredentialMode.Transparent : CredentialMode.Standard;
        CertificateThumbprint = clientCertificate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        IdentityKey = string.Join('|', clientId, tokenServiceUrl.AbsoluteUri, CertificateThumbprint ?? "transparent");
    }

    public string ClientId { get; }

    public Uri TokenServiceUrl { get; }

    public Uri GatewayUrl { get; }

    public IReadOnlyList<IntegrationDependency> Dependencies { get; }

    public CredentialMode Mode { get; }

    public CredentialSource Source { get; }

    /// <summary>The client certificate with its private key (Standard mode), else null.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Intermediate certificates that followed the client certificate in its PEM, sent along in the handshake.</summary>
    public X509Certificate2Collection ClientCertificateChain { get; }

    /// <summary>The SHA-256 thumbprint (hex) of the client certificate; null in Transparent mode.</summary>
    public string? CertificateThumbprint { get; }

    /// <summary>
    /// Who asks for tokens: client id, token URL and certificate thumbprint. Tokens are cached under
    /// it, so a new certificate or another client never receives a token fetched for this one.
    /// </summary>
    public string IdentityKey { get; }

    /// <summary>What may be shown to a user: everything but the certificate's key.</summary>
    public CredentialsReport Describe() => new()
    {
        ClientId = ClientId,
        TokenServiceUrl = TokenServiceUrl,
        GatewayUrl = GatewayUrl,
        Mode = Mode,
        Dependencies = Dependencies,
        Source = Source.Kind,
        Location = Source.Location,
        CertificateSubject = ClientCertificate?.Subject,
        CertificateThumbprint = CertificateThumbprint,
        CertificateNotAfter = ClientCertificate is null ? null : new DateTimeOffset(ClientCertificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
    };

    public override string ToString() =>
        $"{ClientId} at {TokenServiceUrl} ({Mode}, {Dependencies.Count} dependencies, from {Source.Kind} {Source.Location})";

    public void Dispose()
    {
        ClientCertificate?.Dispose();
        foreach (var certificate in ClientCertificateChain)
        {
            certificate.Dispose();
        }
    }
}
