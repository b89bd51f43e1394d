using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Sandbox;

/// <summary>
/// An in-memory PKI: a CA, a server certificate for localhost/127.0.0.1 and a client certificate; and, for the
/// listeners a client must refuse, a localhost certificate of the same CA valid only for client authentication
/// and a localhost server certificate of another CA (never written anywhere).
/// </summary>
internal sealed class SandboxCertificates : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private SandboxCertificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, string clientKeyPem, X509Certificate2 clientAuthOnlyServer, X509Certificate2 foreignServer)
    {
        Ca = ca;
        Server = server;
        Client = client;
        ClientPrivateKeyPem = clientKeyPem;
        ClientAuthOnlyServer = clientAuthOnlyServer;
        ForeignServer = foreignServer;
    }

    /// <summary>The CA, public part only.</summary>
    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string ClientPrivateKeyPem { get; }

    /// <summary>localhost/127.0.0.1, issued by <see cref="Ca"/>, but its extended key usage is client authentication only.</summary>
    public X509Certificate2 ClientAuthOnlyServer { get; }

    /// <summary>localhost/127.0.0.1 for server authentication, issued by a CA no client is given.</summary>
    public X509Certificate2 ForeignServer { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public string ClientPem => Client.ExportCertificatePem();

    public static SandboxCertificates Create(string clientId)
    {
        var now = DateTimeOffset.UtcNow;
        var notBefore = now.AddMinutes(-5);
        // 90 days, as a real client certificate might have: under 14, Get-AgwClientConfig warns.
        var notAfter = now.AddDays(90);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caWithKey = CreateCa("CN=AgentGateway Sandbox CA, O=AgentGateway Sandbox", caKey, notBefore, notAfter);
        var server = IssueServer(caWithKey, caKey, ServerAuthOid, notBefore, notAfter);
        var clientAuthOnlyServer = IssueServer(caWithKey, caKey, ClientAuthOid, notBefore, notAfter);
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var foreignCa = CreateCa("CN=AgentGateway Sandbox Foreign CA, O=Elsewhere", foreignKey, notBefore, notAfter);
        var foreignServer = IssueServer(foreignCa, foreignKey, ServerAuthOid, notBefore, notAfter);

        // Client: CN = client id, RSA like the certificates a real IAS hands out.
        using var clientKey = RSA.Create(2048);
        var clientReq = new CertificateRequest($"CN={clientId}, O=AgentGateway Sandbox", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        clientReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        clientReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        clientReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        var client = Sign(clientReq, caWithKey, caKey, notBefore, notAfter, cert => cert.CopyWithPrivateKey(clientKey));
        var clientKeyPem = clientKey.ExportPkcs8PrivateKeyPem();

        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        return new SandboxCertificates(ca, server, client, clientKeyPem, clientAuthOnlyServer, foreignServer);
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter.AddDays(1));
    }

    /// <summary>A localhost + 127.0.0.1 (+ ::1) certificate whose only extended key usage is <paramref name="usageOid"/>.</summary>
    private static X509Certificate2 IssueServer(X509Certificate2 issuer, ECDsa issuerKey, string usageOid, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=AgentGateway Sandbox", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        return Sign(request, issuer, issuerKey, notBefore, notAfter, cert => cert.CopyWithPrivateKey(key));
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
        ClientAuthOnlyServer.Dispose();
        ForeignServer.Dispose();
    }
}
