using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using AgentGateway.Sandbox.ClientCertificates;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// A runspace's client certificates against the sandbox's server that requires one (its own CA) and the one that only
/// asks (and says which certificate it got): presented to the endpoints of its prefix only, and a refusal named.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class EndpointCertificateCallTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly RunspaceState _session;

    public EndpointCertificateCallTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _session = new RunspaceState(_ => null);
        _session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));
    }

    public void Dispose() => _session.Dispose();

    private async Task<string> WhoAmIAsync(Uri endpoint)
    {
        var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = endpoint, SkipSchemaValidation = true });
        return (await call.InvokeAsync()).Text;
    }

    private static EndpointCertificate Load(Uri prefix, SandboxCertificateServer.ClientFiles files) =>
        EndpointCertificateLoader.FromPem(prefix, files.CertificatePath, files.KeyPath, null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_server_that_requires_a_certificate_gets_the_one_set_and_without_it_says_so()
    {
        var server = _sandbox.CertificateServer;
        var e = await Assert.ThrowsAsync<McpGatewayException>(() => WhoAmIAsync(server.RequiredEndpoint));
        Assert.Equal(TlsFailureCause.ClientCertificateRequired, e.TlsCause);

        _session.Connections.ClientCertificates.Set(Load(server.RequiredEndpoint, server.Client));
        Assert.Equal(server.Client.Subject, await WhoAmIAsync(server.RequiredEndpoint));
    }

    [Fact]
    public async Task A_certificate_the_server_does_not_trust_is_named_refused()
    {
        var server = _sandbox.CertificateServer;
        _session.Connections.ClientCertificates.Set(Load(server.RequiredEndpoint, server.Foreign));
        var e = await Assert.ThrowsAsync<McpGatewayException>(() => WhoAmIAsync(server.RequiredEndpoint));
        Assert.Equal(TlsFailureCause.ClientCertificateRefused, e.TlsCause);
    }

    [Fact]
    public async Task Another_path_of_the_same_server_never_gets_it()
    {
        var server = _sandbox.CertificateServer;
        var a = new Uri(server.OptionalBase, "/open/a/mcp");
        var b = new Uri(server.OptionalBase, "/open/b/mcp");
        _session.Connections.ClientCertificates.Set(Load(new Uri(server.OptionalBase, "/open/a"), server.Client));
        Assert.Equal("anonymous", await WhoAmIAsync(b));
        Assert.Equal(server.Client.Subject, await WhoAmIAsync(a));
        Assert.Equal("anonymous", await WhoAmIAsync(b));
    }
}
