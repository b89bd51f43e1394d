using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Sandbox;

/// <summary>An in-memory PKI: a CA, a server certificate for localhost/127.0.0.1 and a client certificate.</summary>
internal sealed class SandboxCertificates : IDisposable
{
    private SandboxCertificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, string clientKeyPem)
    {
        Ca = ca;
        Server = server;
        Client = client;
        ClientPrivateKeyPem = clientKeyPem;
    }

    /// <summary>The CA, public part only.</summary>
    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string ClientPrivateKeyPem { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public string ClientPem => Client.ExportCertificatePem();

    public static SandboxCertificates Create(string clientId)
    {
        var now = DateTimeOffset.UtcNow;
        var notBefore = now.AddMinutes(-5);
        var notAfter = now.AddDays(2);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=AgentGateway Sandbox CA, O=AgentGateway Sandbox", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        using var caWithKey = caReq.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        // Server: localhost + 127.0.0.1 (+ ::1).
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverReq = new CertificateRequest("CN=localhost, O=AgentGateway Sandbox", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        serverReq.CertificateExtensions.Add(san.Build());
        serverReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var server = Sign(serverReq, caWithKey, caKey, notBefore, notAfter, cert => cert.CopyWithPrivateKey(serverKey));

        // Client: CN = client id, RSA like the certificates a real IAS hands out.
        using var clientKey = RSA.Create(2048);
        var clientReq = new CertificateRequest($"CN={clientId}, O=AgentGateway Sandbox", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        clientReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        clientReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        clientReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var client = Sign(clientReq, caWithKey, caKey, notBefore, notAfter, cert => cert.CopyWithPrivateKey(clientKey));
        var clientKeyPem = clientKey.ExportPkcs8PrivateKeyPem();

        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        return new SandboxCertificates(ca, server, client, clientKeyPem);
    }

    private static X509Certificate2 Sign(
        CertificateRequest request,
        X509Certificate2 issuer,
        ECDsa issuerKey,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        Func<X509Certificate2, X509Certificate2> attachKey)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var publicOnly = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
        using var withEphemeralKey = attachKey(publicOnly);
        // Round-trip through PKCS#12 so SslStream can use the key on every platform (ephemeral keys fail on Windows).
        return X509CertificateLoader.LoadPkcs12(withEphemeralKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>True when <paramref name="certificate"/> chains to the sandbox CA (and only to it).</summary>
    public bool IsIssuedByCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
    }
}
