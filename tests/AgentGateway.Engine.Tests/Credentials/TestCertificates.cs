using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Tests.Credentials;

/// <summary>Client certificates made in-process, as PEM text.</summary>
internal static class TestCertificates
{
    public static (string CertificatePem, string KeyPem) Rsa(string subject = "CN=test-client", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool pkcs1 = false)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), pkcs1 ? key.ExportRSAPrivateKeyPem() : key.ExportPkcs8PrivateKeyPem());
    }

    public static (string CertificatePem, string KeyPem) Ec(string subject = "CN=test-client-ec", bool sec1 = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), sec1 ? key.ExportECPrivateKeyPem() : key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The base64 body of a PEM block: what must never show up in a message.</summary>
    public static string Body(string pem) =>
        string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()))[..40];
}
