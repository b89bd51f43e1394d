using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// Who the module is at an authorization server, in the issue's order: a configured client id (public, or with a secret
/// sent as the metadata says), a client ID metadata document URL, a dynamic registration (kept per issuer).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ClientIdentityTests : IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxAuthorizationServer _as;
    private readonly RunspaceState _session = new(_ => null);
    private readonly SandboxSignIn _person;

    public ClientIdentityTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _as = _sandbox.Authorization;
        _as.ResetCounters();
        _sandbox.BareAuthorization.ResetCounters();
        _session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));
        _person = new SandboxSignIn(_sandbox.CaCertificate);
    }

    public void Dispose()
    {
        _session.Dispose();
        _person.Dispose();
    }

    private async Task<McpCallResult> WhoAmIAsync(Uri endpoint)
    {
        using (AuthorizationInteraction.Use(_person))
        {
            var call = await _session.PrepareCallAsync(new McpCallRequest { ToolName = "whoami", Uri = endpoint, Timeout = TimeSpan.FromSeconds(60) });
            return await call.InvokeAsync();
        }
    }

    private void SetClient(SandboxAuthorizationServer server, string? clientId = null, string? secret = null, Uri? document = null) =>
        _session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(server.Issuer), ClientId = clientId, ClientSecret = secret, ClientMetadataUrl = document });

    [Fact]
    public async Task Without_a_configured_client_the_module_registers_once_per_issuer_as_a_native_public_client()
    {
        await WhoAmIAsync(_as.Endpoint("header"));
        await WhoAmIAsync(_as.Endpoint("wellknown"));

        Assert.Equal(1, _as.Registrations);
        Assert.Equal("native", _as.LastApplicationType);
        Assert.Equal("none", _as.LastClientAuthentication);
        Assert.StartsWith("dyn-", OAuthFlow.Query(_person.Last!.AuthorizationUrl)["client_id"], StringComparison.Ordinal);
        Assert.Equal(2, _person.Count);
    }

    [Fact]
    public async Task A_registration_that_issues_a_secret_authenticates_with_it_as_the_default_endpoints_allow()
    {
        var bare = _sandbox.BareAuthorization;
        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, bare.Registrations);
        Assert.Equal("post", bare.LastClientAuthentication);
    }

    [Fact]
    public async Task A_client_ID_metadata_document_URL_is_the_client_id_where_the_server_takes_them()
    {
        SetClient(_as, document: _as.ClientMetadataDocument);
        var result = await WhoAmIAsync(_as.Endpoint("header"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(_as.ClientMetadataDocument.AbsoluteUri, OAuthFlow.Query(_person.Last!.AuthorizationUrl)["client_id"]);
        Assert.Equal(0, _as.Registrations);
    }

    [Fact]
    public async Task A_confidential_client_sends_its_secret_with_basic_authentication_and_a_wrong_one_is_refused_without_showing_it()
    {
        _as.AddClient("agw-confidential", "right-secret-value");
        SetClient(_as, "agw-confidential", "right-secret-value");
        await WhoAmIAsync(_as.Endpoint("header"));
        Assert.Equal("basic", _as.LastClientAuthentication);

        await _session.ClearTokenCacheAsync(null);
        SetClient(_as, "agw-confidential", "wrong-secret-value");
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(_as.Endpoint("header")));

        Assert.Equal(OAuthErrorKind.Refused, e.Kind);
        Assert.Equal("invalid_client", e.OAuthError);
        Assert.DoesNotContain("secret-value", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("code=", e.ToString(), StringComparison.Ordinal);
    }
}
