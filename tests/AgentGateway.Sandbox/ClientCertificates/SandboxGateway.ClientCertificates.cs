using AgentGateway.Sandbox.ClientCertificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace AgentGateway.Sandbox;

/// <summary>The sandbox's MCP server that wants client certificates (issue 24), reached with -Uri.</summary>
public sealed partial class SandboxGateway
{
    private SandboxCertificateServer? _certificateServer;

    /// <summary>The MCP server that wants client certificates: its CA, its fixture files, its two listeners.</summary>
    public SandboxCertificateServer CertificateServer => _certificateServer ?? throw new InvalidOperationException("The sandbox has not started.");

    private async Task StartCertificateServerAsync(CancellationToken ct)
    {
        var folder = Path.Combine(_tempDir, "endpoint-certificates");
        Directory.CreateDirectory(folder);
        var server = _certificateServer = new SandboxCertificateServer(folder);

        // Required: a certificate of the endpoint CA, or no handshake (the same listener shape as the token service's).
        var required = CreateApp(
            listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = _certs.Server,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (cert, _, _) => server.Accept(cert),
            }),
            configureBuilder: SandboxCertificateServer.ConfigureServices);
        required.MapMcp("/mtls/mcp");
        var requiredBase = await StartAsync(required, ct).ConfigureAwait(false);
        server.RequiredEndpoint = new Uri($"https://127.0.0.1:{requiredBase.Port}/mtls/mcp");

        // Optional: asks for a certificate, takes any or none; whoami says which.
        var optional = CreateApp(
            listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = _certs.Server,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (cert, _, _) =>
                {
                    server.CountOptional(cert);
                    return true;
                },
            }),
            configureBuilder: SandboxCertificateServer.ConfigureServices);
        optional.MapMcp("/open/{variant}/mcp");
        var optionalBase = await StartAsync(optional, ct).ConfigureAwait(false);
        server.OptionalBase = new Uri($"https://127.0.0.1:{optionalBase.Port}/");
    }
}
