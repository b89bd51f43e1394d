using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace AgentGateway.Sandbox.Tests;

internal static class SandboxClient
{
    public const string Resource = "urn:sap:identity:application:provider:name:agent-gateway";

    /// <summary>An HttpClient trusting only the sandbox CA, optionally presenting a client certificate.</summary>
    public static HttpClient Create(SandboxGateway sandbox, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) => cert is not null && TrustsSandbox(sandbox, cert, errors),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            },
        };
        return new HttpClient(handler);
    }

    private static bool TrustsSandbox(SandboxGateway sandbox, X509Certificate cert, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(sandbox.CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(cert);
        return chain.Build(leaf);
    }

    public static FormUrlEncodedContent ClientCredentialsForm(SandboxGateway sandbox, string? omit = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["client_id"] = sandbox.ClientId,
            ["grant_type"] = "client_credentials",
            ["response_type"] = "token",
            ["resource"] = Resource,
        };
        if (omit is not null)
        {
            fields.Remove(omit);
        }

        return new FormUrlEncodedContent(fields);
    }

    public static async Task<string> GetSystemTokenAsync(SandboxGateway sandbox, HttpClient mtls)
    {
        using var response = await mtls.PostAsync(sandbox.TokenServiceUrl, ClientCredentialsForm(sandbox));
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }

    public static async Task<McpClient> ConnectAsync(SandboxGateway sandbox, SandboxDependency dependency, string token, string? protocolVersion = "2025-11-25", CancellationToken ct = default)
    {
        var http = Create(sandbox);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Add("x-correlation-id", "corr-" + dependency.ServerName);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = sandbox.McpEndpoint(dependency), TransportMode = HttpTransportMode.StreamableHttp },
            http,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion }, cancellationToken: ct);
    }
}
