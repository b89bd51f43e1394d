using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox.ClientCertificates;

/// <summary>
/// An MCP server outside the gateway that wants client certificates (issue 24), with a CA of its own (never the
/// gateway's): the sandbox's listeners for it are two, each a stateless SDK server with <c>whoami</c> (the subject of
/// the certificate the connection presented, or <c>anonymous</c>):
/// <list type="bullet">
/// <item>required (<c>/mtls/mcp</c>): the handshake needs a certificate issued by <see cref="Ca"/>; without one, or with
/// another CA's, the server ends it.</item>
/// <item>optional (<c>/open/a/mcp</c>, <c>/open/b/mcp</c>, any path really): asks for a certificate but takes a connection
/// without one, so a test sees whether a client sent its certificate where it was not configured.</item>
/// </list>
/// The client's fixture files (certificate PEM, key PEM plain and encrypted, PFX) are written to a folder the sandbox
/// deletes; their password is <see cref="Password"/>. Nothing here is ever printed but paths and the password of these
/// throw-away files.
/// </summary>
public sealed class SandboxCertificateServer : IDisposable
{
    /// <summary>The password of the encrypted key and the PFX fixtures (throw-away test material).</summary>
    public const string Password = "sandbox-endpoint-password";

    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private long _handshakesWithCertificate;
    private long _optionalHandshakesWithCertificate;

    internal SandboxCertificateServer(string folder)
    {
        Folder = folder;
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);
        var request = new CertificateRequest("CN=AgentGateway Sandbox Endpoint CA, O=AgentGateway Sandbox", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(notBefore, notAfter.AddDays(1));

        Client = WriteClient("endpoint-client", "CN=agw-endpoint-client, O=AgentGateway Sandbox", Ca, _caKey, notBefore, notAfter);

        // A client certificate of a CA the server does not know: presented, then refused.
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreignRequest = new CertificateRequest("CN=AgentGateway Sandbox Foreign Endpoint CA", foreignKey, HashAlgorithmName.SHA256);
        foreignRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        foreignRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(foreignRequest.PublicKey, false));
        using var foreignCa = foreignRequest.CreateSelfSigned(notBefore, notAfter.AddDays(1));
        Foreign = WriteClient("foreign-client", "CN=agw-foreign-client, O=Elsewhere", foreignCa, foreignKey, notBefore, notAfter);
    }

    /// <summary>The folder of the fixture files.</summary>
    public string Folder { get; }

    /// <summary>The CA that issues the accepted client certificates (with its key: the sandbox's own).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The accepted client: its files.</summary>
    public ClientFiles Client { get; }

    /// <summary>A client of another CA: its files (the server refuses it).</summary>
    public ClientFiles Foreign { get; }

    /// <summary>The listener that requires a certificate: its MCP endpoint.</summary>
    public Uri RequiredEndpoint { get; internal set; } = null!;

    /// <summary>The listener that asks for a certificate but takes none: its origin (MCP at any path ending in <c>/mcp</c>).</summary>
    public Uri OptionalBase { get; internal set; } = null!;

    /// <summary>Handshakes of the required listener that presented a certificate of <see cref="Ca"/>.</summary>
    public long HandshakesWithCertificate => Interlocked.Read(ref _handshakesWithCertificate);

    /// <summary>Handshakes of the optional listener that presented any certificate.</summary>
    public long OptionalHandshakesWithCertificate => Interlocked.Read(ref _optionalHandshakesWithCertificate);

    /// <summary>Whether <paramref name="certificate"/> chains to <see cref="Ca"/> (only to it); counted when it does.</summary>
    internal bool Accept(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        var ok = chain.Build(certificate);
        if (ok)
        {
            Interlocked.Increment(ref _handshakesWithCertificate);
        }

        return ok;
    }

    internal void CountOptional(X509Certificate2? certificate)
    {
        if (certificate is not null)
        {
            Interlocked.Increment(ref _optionalHandshakesWithCertificate);
        }
    }

    /// <summary>The stateless MCP server both listeners serve: <c>whoami</c> answers the subject the connection presented.</summary>
    internal static void ConfigureServices(WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer(o => o.ServerInfo = new Implementation { Name = "sandbox-mtls", Version = "1.0.0" })
            .WithHttpTransport(t => t.SessionMode = HttpServerSessionMode.Stateless)
            .WithTools([
                McpServerTool.Create(
                    (RequestContext<CallToolRequestParams> request) =>
                        request.Services?.GetService<IHttpContextAccessor>()?.HttpContext?.Connection.ClientCertificate?.Subject ?? "anonymous",
                    new McpServerToolCreateOptions { Name = "whoami", Description = "The subject of the client certificate this connection presented, or anonymous.", ReadOnly = true }),
            ]);
    }

    /// <summary>What the process mode prints about it: endpoints, the fixture paths and their password (no certificate body, no key).</summary>
    internal JsonObject Describe() => new()
    {
        ["requiredEndpoint"] = RequiredEndpoint.ToString(),
        ["optionalEndpointA"] = new Uri(OptionalBase, "/open/a/mcp").ToString(),
        ["optionalEndpointB"] = new Uri(OptionalBase, "/open/b/mcp").ToString(),
        ["certificatePath"] = Client.CertificatePath,
        ["keyPath"] = Client.KeyPath,
        ["encryptedKeyPath"] = Client.EncryptedKeyPath,
        ["pfxPath"] = Client.PfxPath,
        ["password"] = Password,
        ["thumbprint"] = Client.Thumbprint,
        ["subject"] = Client.Subject,
        ["foreignCertificatePath"] = Foreign.CertificatePath,
        ["foreignKeyPath"] = Foreign.KeyPath,
    };

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }

    private ClientFiles WriteClient(string name, string subject, X509Certificate2 issuer, ECDsa issuerKey, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
        using var withKey = certificate.CopyWithPrivateKey(key);

        var files = new ClientFiles(
            Path.Combine(Folder, name + ".pem"),
            Path.Combine(Folder, name + ".key"),
            Path.Combine(Folder, name + ".encrypted.key"),
            Path.Combine(Folder, name + ".pfx"),
            certificate.Thumbprint,
            certificate.Subject);
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
        Write(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        Write(files.EncryptedKeyPath, key.ExportEncryptedPkcs8PrivateKeyPem(Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        File.WriteAllBytes(files.PfxPath, withKey.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, Password));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(files.PfxPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return files;
    }

    private static void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>A client's fixture files.</summary>
    public sealed record ClientFiles(string CertificatePath, string KeyPath, string EncryptedKeyPath, string PfxPath, string Thumbprint, string Subject);
}
