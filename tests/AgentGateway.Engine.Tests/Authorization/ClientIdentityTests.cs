using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// Who the module is at an authorization server, in the issue's order: a configured client id (public, or with a secret
/// sent as the metadata says), a client ID metadata document URL, a dynamic registration (kept per issuer).
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ClientIdentityTests : SandboxAuthorizationTests
{
    public ClientIdentityTests(SandboxGatewayFixture fixture)
        : base(fixture)
    {
    }

    private void SetClient(SandboxAuthorizationServer server, string? clientId = null, string? secret = null, Uri? document = null) =>
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(server.Issuer), ClientId = clientId, ClientSecret = secret, ClientMetadataUrl = document });

    [Fact]
    public async Task Without_a_configured_client_the_module_registers_once_per_issuer_as_a_native_public_client()
    {
        await WhoAmIAsync(As.Endpoint("header"));
        await WhoAmIAsync(As.Endpoint("wellknown"));

        Assert.Equal(1, As.Registrations);
        Assert.Equal("native", As.LastApplicationType);
        Assert.Equal("none", As.LastClientAuthentication);
        Assert.StartsWith("dyn-", OAuthFlow.Query(Person.Last!.AuthorizationUrl)["client_id"], StringComparison.Ordinal);
        Assert.Equal(2, Person.Count);
    }

    [Fact]
    public async Task A_registration_that_issues_a_secret_authenticates_with_it_as_the_default_endpoints_allow()
    {
        var bare = Sandbox.BareAuthorization;
        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, bare.Registrations);
        Assert.Equal("post", bare.LastClientAuthentication);
    }

    [Fact]
    public async Task A_client_ID_metadata_document_URL_is_the_client_id_where_the_server_takes_them()
    {
        SetClient(As, document: As.ClientMetadataDocument);
        var result = await WhoAmIAsync(As.Endpoint("header"));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(As.ClientMetadataDocument.AbsoluteUri, OAuthFlow.Query(Person.Last!.AuthorizationUrl)["client_id"]);
        Assert.Equal(0, As.Registrations);
    }

    [Fact]
    public async Task A_confidential_client_sends_its_secret_with_basic_authentication_and_a_wrong_one_is_refused_without_showing_it()
    {
        As.AddClient("agw-confidential", "right-secret-value");
        SetClient(As, "agw-confidential", "right-secret-value");
        await WhoAmIAsync(As.Endpoint("header"));
        Assert.Equal("basic", As.LastClientAuthentication);

        await Session.ClearTokenCacheAsync(null);
        SetClient(As, "agw-confidential", "wrong-secret-value");
        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header")));

        Assert.Equal(OAuthErrorKind.Refused, e.Kind);
        Assert.Equal("invalid_client", e.OAuthError);
        Assert.DoesNotContain("secret-value", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("code=", e.ToString(), StringComparison.Ordinal);
    }
}
