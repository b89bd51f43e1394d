using AgentGateway.Sandbox.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace AgentGateway.Sandbox;

/// <summary>The sandbox's authorization servers (issue 23): real OAuth for MCP servers outside the gateway, reached with -Uri.</summary>
public sealed partial class SandboxGateway
{
    /// <summary>An authorization server with its metadata (OpenID Connect discovery at the root) and the MCP endpoints it protects.</summary>
    public SandboxAuthorizationServer Authorization { get; } = new(withMetadata: true);

    /// <summary>An authorization server without any metadata (the 2025-03-26 default endpoints) and its one MCP endpoint.</summary>
    public SandboxAuthorizationServer BareAuthorization { get; } = new(withMetadata: false);

    /// <summary>An authorization server whose issuer has a path (<c>/tenant1</c>): its metadata only at the RFC 8414 path-inserted URL.</summary>
    public SandboxAuthorizationServer TenantAuthorization { get; } = new(withMetadata: true, issuerPath: "tenant1");

    /// <summary>The private key files of <see cref="Authorization"/>'s assertion clients (in the sandbox's temporary folder).</summary>
    public (string RsaPem, string RsaPfx, string EcPem) ClientKeyFiles { get; private set; }

    private async Task StartAuthorizationServersAsync(CancellationToken ct)
    {
        foreach (var server in new[] { Authorization, BareAuthorization, TenantAuthorization })
        {
            var app = CreateApp(
                listen => listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = _certs.Server,
                    ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate,
                }),
                configureBuilder: server.ConfigureServices);
            server.Configure(app);
            var address = await StartAsync(app, ct).ConfigureAwait(false);
            server.BaseUrl = new Uri($"https://127.0.0.1:{address.Port}/");
        }

        ClientKeyFiles = Authorization.WriteClientKeys(_tempDir);
    }
}
