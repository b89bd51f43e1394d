using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// The base of the tests that sign in at the sandbox's authorization servers: the sandbox, its authorization server
/// (<see cref="As"/>; its counters, the bare and the tenant server's too, reset), a runspace session that trusts the
/// sandbox's CA, a person who signs in (<see cref="SandboxSignIn"/>), and the whoami tool called as that person.
/// </summary>
public abstract class SandboxAuthorizationTests : IDisposable
{
    protected SandboxAuthorizationTests(SandboxGatewayFixture fixture, TimeProvider? time = null)
    {
        Sandbox = fixture.Sandbox;
        As = Sandbox.Authorization;
        foreach (var server in new[] { As, Sandbox.BareAuthorization, Sandbox.TenantAuthorization })
        {
            server.ResetCounters();
        }

        Session = new RunspaceState(_ => null, time);
        Session.UpdateConfig(c => c.With(trustedCaPath: Sandbox.CaCertificatePath));
        Person = new SandboxSignIn(Sandbox.CaCertificate);
    }

    protected SandboxGateway Sandbox { get; }

    /// <summary>The sandbox's authorization server (<see cref="SandboxGateway.Authorization"/>).</summary>
    protected SandboxAuthorizationServer As { get; }

    private protected RunspaceState Session { get; }

    private protected SandboxSignIn Person { get; }

    public virtual void Dispose()
    {
        Session.Dispose();
        Person.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Sets the sandbox's public client (a configured client id, no secret) for each of <paramref name="servers"/>.</summary>
    protected void SetPublicClient(params SandboxAuthorizationServer[] servers)
    {
        foreach (var server in servers)
        {
            Session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(server.Issuer), ClientId = SandboxAuthorizationServer.PublicClientId });
        }
    }

    /// <summary>Calls the whoami tool of <paramref name="endpoint"/>, signing in as <paramref name="person"/> (<see cref="Person"/> when not given) if asked.</summary>
    private protected async Task<McpCallResult> WhoAmIAsync(Uri endpoint, IAuthorizationInteraction? person = null)
    {
        using (AuthorizationInteraction.Use(person ?? Person))
        {
            var call = await Session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = endpoint, Timeout = TimeSpan.FromSeconds(60) });
            return await call.InvokeAsync();
        }
    }
}
