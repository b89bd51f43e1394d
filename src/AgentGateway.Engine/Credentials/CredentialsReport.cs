namespace AgentGateway.Engine.Credentials;

/// <summary>Resolved credentials as a user may see them: no private key, no certificate body.</summary>
internal sealed record CredentialsReport
{
    public required string ClientId { get; init; }

    public required Uri TokenServiceUrl { get; init; }

    public required Uri GatewayUrl { get; init; }

    public required CredentialMode Mode { get; init; }

    public required IReadOnlyList<IntegrationDependency> Dependencies { get; init; }

    public required CredentialSourceKind Source { get; init; }

    /// <summary>The file, folder or variable the credentials came from.</summary>
    public string? Location { get; init; }

    public string? CertificateSubject { get; init; }

    /// <summary>SHA-256 thumbprint (hex) of the client certificate.</summary>
    public string? CertificateThumbprint { get; init; }

    public DateTimeOffset? CertificateNotAfter { get; init; }
}
