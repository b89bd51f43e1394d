using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Http;

namespace AgentGateway.Engine.Tests.Credentials;

public sealed class TlsTrustTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-trust-");
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;

    public TlsTrustTests()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _server = serverRequest.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _server.Dispose();
        _dir.Delete(recursive: true);
    }

    private X509Certificate2Collection Roots(X509Certificate2 ca)
    {
        var path = Path.Combine(_dir.FullName, $"{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return TrustedCaFile.Load(path);
    }

    [Fact]
    public void A_chain_to_an_extra_root_is_trusted()
    {
        Assert.True(TlsTrust.IsTrusted(_server, null, SslPolicyErrors.RemoteCertificateChainErrors, Roots(_ca)));
    }

    [Fact]
    public void A_chain_to_another_root_is_not()
    {
        using var otherKey = RSA.Create(2048);
        using var other = new CertificateRequest("CN=other-ca", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Assert.False(TlsTrust.IsTrusted(_server, null, SslPolicyErrors.RemoteCertificateChainErrors, Roots(other)));
    }

    [Theory]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch)]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors)]
    [InlineData(SslPolicyErrors.RemoteCertificateNotAvailable)]
    public void A_name_mismatch_or_no_certificate_is_never_trusted(SslPolicyErrors errors)
    {
        Assert.False(TlsTrust.IsTrusted(_server, null, errors, Roots(_ca)));
    }

    [Fact]
    public void Without_extra_roots_only_the_platform_verdict_counts()
    {
        Assert.True(TlsTrust.IsTrusted(_server, null, SslPolicyErrors.None, null));
        Assert.False(TlsTrust.IsTrusted(_server, null, SslPolicyErrors.RemoteCertificateChainErrors, null));
    }

    [Fact]
    public void A_file_without_certificates_names_TrustedCaPath()
    {
        var path = Path.Combine(_dir.FullName, "empty.pem");
        File.WriteAllText(path, "nothing here");
        var e = Assert.Throws<ClientConfigException>(() => TrustedCaFile.Load(path));
        Assert.Equal("TrustedCaPath", e.Field);
        Assert.Throws<ClientConfigException>(() => TrustedCaFile.Load(Path.Combine(_dir.FullName, "absent.pem")));
    }

    [Fact]
    public void A_certificate_for_client_authentication_only_is_not_trusted_as_a_server()
    {
        // Defect 3: the system store says NotValidForUsage; TrustedCaPath trust must say the same.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var clientOnly = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [5, 6, 7, 8]);

        var problem = TlsTrust.Check(clientOnly, null, SslPolicyErrors.RemoteCertificateChainErrors, Roots(_ca));

        Assert.NotNull(problem);
        Assert.Contains("NotValidForUsage", problem, StringComparison.Ordinal);
        Assert.False(TlsTrust.IsTrusted(clientOnly, null, SslPolicyErrors.RemoteCertificateChainErrors, Roots(_ca)));
    }

    [Fact]
    public void An_expired_certificate_from_a_trusted_root_is_not_trusted()
    {
        using var key = RSA.Create(2048);
        using var expired = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .Create(_ca, DateTimeOffset.UtcNow.AddHours(-12), DateTimeOffset.UtcNow.AddHours(-1), [9, 9, 9, 9]);

        Assert.Contains("NotTimeValid", TlsTrust.Check(expired, null, SslPolicyErrors.RemoteCertificateChainErrors, Roots(_ca)), StringComparison.Ordinal);
    }
}
