using System.Net;
using AgentGateway.Engine.Doctor;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Doctor;

/// <summary>The connection doctor against the sandbox: every stage of a working setup, and where a broken one breaks.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ConnectionDoctorTests : IDisposable
{
    private const string Travel = "sap.sandbox:mcpServer:travel:v1";
    private readonly SandboxGateway _sandbox;
    private readonly string _folder = Directory.CreateTempSubdirectory("agw-doctor-").FullName;
    private readonly string _credentials;

    public ConnectionDoctorTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _credentials = _sandbox.WriteCredentialsFile(Path.Combine(_folder, "credentials.json"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private RunspaceState Session(bool trustCa = true, Func<string, string?>? env = null)
    {
        var session = new RunspaceState(env ?? (_ => null));
        session.UpdateConfig(c => c.With(credentialPath: _credentials, trustedCaPath: trustCa ? _sandbox.CaCertificatePath : null, timeout: TimeSpan.FromSeconds(20)));
        return session;
    }

    private static async Task<IReadOnlyList<ConnectionStage>> RunAsync(RunspaceState session, ConnectionCheckRequest request)
    {
        var reported = new List<ConnectionStage>();
        var stages = await new ConnectionDoctor(session).RunAsync(request, reported.Add, CancellationToken.None);
        Assert.Equal(stages, reported);
        return stages;
    }

    private static ConnectionStage One(IReadOnlyList<ConnectionStage> stages, string stage, string? target = null) =>
        Assert.Single(stages, s => s.Stage == stage && (target is null || s.Target == target));

    [Fact]
    public async Task A_working_setup_passes_every_stage_from_the_credentials_to_the_dependency()
    {
        using var session = Session();
        var jwt = _sandbox.IssueUserJwt("doctor");

        var stages = await RunAsync(session, new ConnectionCheckRequest { OrdIds = [Travel], UserJwt = jwt });

        Assert.Equal(
            ["Credentials", "Client certificate", "Token service DNS", "Token service TCP", "Token service TLS", "Token service mTLS", "System token", "User token",
             "Gateway DNS", "Gateway TCP", "Gateway TLS", "Dependency"],
            stages.Select(s => s.Stage));
        Assert.All(stages, s => Assert.Equal(StageVerdict.Pass, s.Verdict));
        Assert.Contains(_credentials, One(stages, "Credentials").Detail, StringComparison.Ordinal);
        Assert.Matches(@"days left\), the private key matches", One(stages, "Client certificate").Detail);
        Assert.Contains("trusted through the trusted CA file", One(stages, "Token service TLS").Detail, StringComparison.Ordinal);
        Assert.Contains("was accepted", One(stages, "Token service mTLS").Detail, StringComparison.Ordinal);
        Assert.Matches(@"revision \d{4}-\d{2}-\d{2}, \d+ tools", One(stages, "Dependency", Travel).Detail);
        Assert.All(stages, s => Assert.DoesNotContain("eyJ", s.Detail, StringComparison.Ordinal));
        Assert.All(stages, s => Assert.DoesNotContain(jwt, s.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_untrusted_token_service_fails_at_tls_and_skips_what_needs_it()
    {
        using var session = Session(trustCa: false);

        var stages = await RunAsync(session, new ConnectionCheckRequest { OrdIds = [Travel] });

        var tls = One(stages, "Token service TLS");
        Assert.Equal(StageVerdict.Fail, tls.Verdict);
        Assert.Equal(TlsFailureCause.ServerCertificateNotTrusted, Assert.IsType<TokenRequestException>(tls.Error).TlsCause);
        Assert.Equal(StageVerdict.Skip, One(stages, "System token").Verdict);
        Assert.Equal(StageAdvice.FixEarlierStage, One(stages, "Dependency").Advice);
    }

    [Fact]
    public async Task An_unknown_ord_id_is_a_failing_row()
    {
        using var session = Session();

        var stages = await RunAsync(session, new ConnectionCheckRequest { OrdIds = ["sap.sandbox:mcpServer:nowhere:v1"] });

        var row = One(stages, "Dependency");
        Assert.Equal(StageVerdict.Fail, row.Verdict);
        Assert.Equal(McpErrorKind.NotFound, Assert.IsType<McpGatewayException>(row.Error).Kind);
    }

    [Fact]
    public async Task Behind_a_proxy_the_proxy_is_a_stage_and_dns_is_the_proxys()
    {
        await using var proxy = ConnectProxy.Start("agent", "pr0xy");
        using var session = Session();
        session.UpdateConfig(c => c.With(proxy: proxy.Url, proxyCredential: new NetworkCredential("agent", "pr0xy")));

        var stages = await RunAsync(session, new ConnectionCheckRequest { OrdIds = [Travel] });

        Assert.Equal(2, stages.Count(s => s.Stage == "Proxy" && s.Verdict == StageVerdict.Pass));
        Assert.Contains("the client config", stages.First(s => s.Stage == "Proxy").Detail, StringComparison.Ordinal);
        Assert.Equal(StageVerdict.Skip, One(stages, "Token service DNS").Verdict);
        Assert.Equal(StageVerdict.Pass, One(stages, "Token service mTLS").Verdict);
        Assert.Equal(StageVerdict.Pass, One(stages, "Dependency", Travel).Verdict);
        Assert.True(proxy.Tunnels >= 3);
    }

    [Fact]
    public async Task A_proxy_that_wants_credentials_fails_its_stage_with_the_proxy_error()
    {
        await using var proxy = ConnectProxy.Start("agent", "pr0xy");
        using var session = Session();
        session.UpdateConfig(c => c.With(proxy: proxy.Url));

        var stages = await RunAsync(session, new ConnectionCheckRequest { OrdIds = [Travel] });

        var tls = One(stages, "Token service TLS");
        Assert.Equal(StageVerdict.Fail, tls.Verdict);
        Assert.Equal(407, Assert.IsType<HttpProxyException>(tls.Error).ProxyStatus);
    }

    [Fact]
    public async Task One_endpoint_without_a_token_says_it_needs_authorization()
    {
        using var session = new RunspaceState(_ => null);
        session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));
        var endpoint = _sandbox.McpEndpoint(_sandbox.Dependencies[0]);

        var stages = await RunAsync(session, new ConnectionCheckRequest { Uri = endpoint });

        Assert.Equal(["Endpoint DNS", "Endpoint TCP", "Endpoint TLS", "MCP"], stages.Select(s => s.Stage));
        var mcp = One(stages, "MCP");
        Assert.Equal(StageVerdict.Warn, mcp.Verdict);
        Assert.Equal(StageAdvice.AuthorizationNeeded, mcp.Advice);
    }
}
