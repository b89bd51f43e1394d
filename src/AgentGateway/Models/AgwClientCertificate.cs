namespace AgentGateway;

/// <summary>
/// A client certificate configured for MCP endpoints (Get-AgwClientCertificate, Set-AgwClientCertificate -PassThru, and
/// Get-AgwClientConfig's EndpointCertificates): never the key, a password or the certificate's body.
/// </summary>
public sealed class AgwClientCertificate
{
    internal AgwClientCertificate(Uri uri, string subject, string issuer, string thumbprint, string fingerprint, DateTimeOffset notAfter, int daysLeft, string sourceKind, string source)
    {
        Uri = uri;
        Subject = subject;
        Issuer = issuer;
        Thumbprint = thumbprint;
        Fingerprint = fingerprint;
        NotAfter = notAfter;
        DaysLeft = daysLeft;
        SourceKind = sourceKind;
        Source = source;
    }

    /// <summary>The endpoint prefix it is presented to: this origin, this path and the paths below it.</summary>
    public Uri Uri { get; }

    public string Subject { get; }

    public string Issuer { get; }

    /// <summary>The SHA-1 thumbprint (hex), as certificate stores name certificates.</summary>
    public string Thumbprint { get; }

    /// <summary>The SHA-256 fingerprint (hex).</summary>
    public string Fingerprint { get; }

    /// <summary>When it expires, UTC.</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>Whole days left until <see cref="NotAfter"/>.</summary>
    public int DaysLeft { get; }

    /// <summary>Where it came from: 'Pem', 'Pfx' or 'Store'.</summary>
    public string SourceKind { get; }

    /// <summary>The certificate file, the PFX file, or the store path with the thumbprint.</summary>
    public string Source { get; }

    public override string ToString() => $"{Uri}: {Subject} ({Thumbprint})";
}
