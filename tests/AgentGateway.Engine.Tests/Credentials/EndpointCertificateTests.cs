using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Tests.Credentials;

/// <summary>Client certificates of -Uri endpoints: which endpoints a prefix covers, and the checks every client certificate passes.</summary>
public sealed class EndpointCertificateTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-endpoint-certs-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/mcp", true)]
    [InlineData("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp/tools", true)]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/mcpx", false)]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/other/mcp", false)]
    [InlineData("https://mcp.example.com/", "https://mcp.example.com/any/path", true)]
    [InlineData("https://mcp.example.com/", "https://mcp.example.com:8443/mcp", false)]
    [InlineData("https://mcp.example.com/", "https://other.example.com/mcp", false)]
    [InlineData("https://MCP.example.com/mcp", "https://mcp.example.com/mcp?x=1", true)]
    [InlineData("https://mcp.example.com/mcp", "http://mcp.example.com/mcp", false)]
    public void A_prefix_covers_its_origin_and_whole_path_segments(string prefix, string endpoint, bool covers)
    {
        using var binding = Binding(prefix);
        Assert.Equal(covers, binding.MatchLength(new Uri(endpoint)) >= 0);
    }

    [Fact]
    public void The_longest_prefix_wins_and_no_prefix_means_none()
    {
        using var root = Binding("https://mcp.example.com/");
        using var deep = Binding("https://mcp.example.com/team/mcp");
        var set = new EndpointCertificateSet([root, deep]);
        Assert.Same(deep, set.Match(new Uri("https://mcp.example.com/team/mcp/x")));
        Assert.Same(root, set.Match(new Uri("https://mcp.example.com/team")));
        Assert.Null(set.Match(new Uri("https://elsewhere.example.com/team/mcp")));
    }

    [Fact]
    public void A_plain_http_prefix_is_refused() =>
        Assert.Throws<ArgumentException>(() => EndpointCertificate.NormalizePrefix(new Uri("http://127.0.0.1/mcp")));

    [Fact]
    public void Setting_a_prefix_again_replaces_its_certificate_and_makes_a_new_set()
    {
        using var certificates = new EndpointCertificates();
        var first = Binding("https://mcp.example.com/mcp");
        var second = Binding("https://mcp.example.com/mcp/");
        certificates.Set(first);
        var before = certificates.Current;
        Assert.Same(first, certificates.Set(second));
        Assert.NotSame(before, certificates.Current);
        Assert.Same(second, Assert.Single(certificates.Current.Bindings));
        Assert.Same(second, certificates.Remove(new Uri("https://mcp.example.com/mcp")));
        Assert.Empty(certificates.Current.Bindings);
    }

    [Fact]
    public void An_expired_certificate_is_refused_as_expired()
    {
        var (cert, key) = TestCertificates.Rsa(notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        var e = Assert.Throws<ClientCertificateException>(() => FromPem(cert, key));
        Assert.Equal(ClientCertificateErrorKind.Expired, e.Kind);
        Assert.DoesNotContain(TestCertificates.Body(key), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_for_server_authentication_only_is_refused_for_its_usage()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=server-only", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(5));
        var e = Assert.Throws<ClientCertificateException>(() => FromPem(certificate.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Equal(ClientCertificateErrorKind.WrongUsage, e.Kind);
        Assert.Equal(ClientCertificateErrorKind.WrongUsage, ClientCertificateRules.Check(certificate, DateTimeOffset.UtcNow, requirePrivateKey: false)?.Kind);

        // The gateway's certificate (the credentials') passes the same checks.
        var gateway = Assert.Throws<CredentialException>(() => ClientCertificateLoader.Load(certificate.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem(), DateTimeOffset.UtcNow));
        Assert.Equal("certificate", gateway.Field);
        Assert.Contains("client authentication", gateway.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_key_opens_with_its_password_only()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=encrypted", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(5));
        var key = rsa.ExportEncryptedPkcs8PrivateKeyPem("right", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        using var loaded = FromPem(certificate.ExportCertificatePem(), key, "right");
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Equal(ClientCertificateErrorKind.WrongPassword, Assert.Throws<ClientCertificateException>(() => FromPem(certificate.ExportCertificatePem(), key, "wrong")).Kind);
        var none = Assert.Throws<ClientCertificateException>(() => FromPem(certificate.ExportCertificatePem(), key));
        Assert.Equal(ClientCertificateErrorKind.WrongPassword, none.Kind);
        Assert.DoesNotContain("right", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pfx_without_a_key_and_a_missing_file_are_named()
    {
        var (cert, _) = TestCertificates.Rsa();
        using var publicOnly = X509Certificate2.CreateFromPem(cert);
        var pfx = Path.Combine(_dir.FullName, "public.pfx");
        File.WriteAllBytes(pfx, publicOnly.Export(X509ContentType.Pkcs12, "pw"));
        Assert.Equal(ClientCertificateErrorKind.NoPrivateKey, Assert.Throws<ClientCertificateException>(() => EndpointCertificateLoader.FromPfx(new Uri("https://h/"), pfx, "pw", DateTimeOffset.UtcNow)).Kind);
        Assert.Equal(ClientCertificateErrorKind.WrongPassword, Assert.Throws<ClientCertificateException>(() => EndpointCertificateLoader.FromPfx(new Uri("https://h/"), pfx, "nope", DateTimeOffset.UtcNow)).Kind);
        Assert.Equal(ClientCertificateErrorKind.FileNotFound, Assert.Throws<ClientCertificateException>(() => EndpointCertificateLoader.FromPfx(new Uri("https://h/"), Path.Combine(_dir.FullName, "none.pfx"), "pw", DateTimeOffset.UtcNow)).Kind);
    }

    [Fact]
    public void A_thumbprint_the_store_lacks_is_named() =>
        Assert.Equal(ClientCertificateErrorKind.NotInStore, Assert.Throws<ClientCertificateException>(() => EndpointCertificateLoader.FromStore(new Uri("https://h/"), new string('0', 40), DateTimeOffset.UtcNow)).Kind);

    private EndpointCertificate FromPem(string certificatePem, string keyPem, string? password = null)
    {
        var certificatePath = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".pem");
        var keyPath = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(certificatePath, certificatePem);
        File.WriteAllText(keyPath, keyPem);
        return EndpointCertificateLoader.FromPem(new Uri("https://mcp.example.com/mcp"), certificatePath, keyPath, password, DateTimeOffset.UtcNow);
    }

    private static EndpointCertificate Binding(string prefix)
    {
        var (cert, key) = TestCertificates.Rsa();
        return new EndpointCertificate(new Uri(prefix), X509Certificate2.CreateFromPem(cert, key), null, EndpointCertificateSource.Pem, "test.pem");
    }
}
