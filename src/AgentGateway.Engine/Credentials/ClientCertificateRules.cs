using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// The checks every client certificate passes before it is presented, the gateway's (the credentials') and an MCP
/// endpoint's alike: within its validity period, with its private key, and fit for client authentication when it names
/// its usages (extended key usage clientAuth or any; key usage digitalSignature).
/// </summary>
internal static class ClientCertificateRules
{
    /// <summary>The extended key usage a TLS client certificate needs (id-kp-clientAuth).</summary>
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    /// <summary>What is wrong with <paramref name="certificate"/> at <paramref name="now"/>, as a phrase after "holds" (a certificate that ...); null when it may be used.</summary>
    public static (ClientCertificateErrorKind Kind, string Problem)? Check(X509Certificate2 certificate, DateTimeOffset now, bool requirePrivateKey = true)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
        {
            return (ClientCertificateErrorKind.Expired, $"a certificate that expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z (subject {certificate.Subject}); ask for a new one.");
        }

        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            return (ClientCertificateErrorKind.Expired, $"a certificate not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z (subject {certificate.Subject}); check the clock.");
        }

        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usages)
            {
                var fits = false;
                foreach (var oid in usages.EnhancedKeyUsages)
                {
                    fits |= oid.Value is ClientAuthenticationOid or AnyExtendedKeyUsageOid;
                }

                if (!fits)
                {
                    return (ClientCertificateErrorKind.WrongUsage, $"a certificate whose extended key usage does not include client authentication (subject {certificate.Subject}); ask for one issued for client authentication.");
                }
            }
            else if (extension is X509KeyUsageExtension keyUsage && !keyUsage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
            {
                return (ClientCertificateErrorKind.WrongUsage, $"a certificate whose key usage does not allow digital signatures, which client authentication needs (subject {certificate.Subject}).");
            }
        }

        if (requirePrivateKey && !certificate.HasPrivateKey)
        {
            return (ClientCertificateErrorKind.NoPrivateKey, $"a certificate without its private key (subject {certificate.Subject}); give the key with it.");
        }

        return null;
    }

    /// <summary>The SHA-256 fingerprint of <paramref name="certificate"/> (hex), as the module shows certificates.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
