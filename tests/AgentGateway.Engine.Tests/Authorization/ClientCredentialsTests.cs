using System.Security.Cryptography;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tests.Tokens;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// The client credentials grant (issue 24, SEP-1046) end to end against the sandbox's OpenIddict authorization server:
/// a secret (basic as its metadata lists, post at the 2025-03-26 default endpoints), a signed assertion (RS256 from PEM
/// and PFX, ES256), the one cache, the 401 renewal, one grant under concurrency, the step-up, and the refusals.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ClientCredentialsTests : SandboxAuthorizationTests
{
    public ClientCredentialsTests(SandboxGatewayFixture fixture)
        : base(fixture)
    {
    }

    private void SetSecretClient(SandboxAuthorizationServer server, string secret = SandboxAuthorizationServer.MachineClientSecret) =>
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings
        {
            Issuer = new Uri(server.Issuer),
            ClientId = SandboxAuthorizationServer.MachineClientId,
            ClientSecret = secret,
            GrantType = OAuthGrantType.ClientCredentials,
        });

    private void SetKeyClient(string clientId, string path, string? password = null) =>
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings
        {
            Issuer = new Uri(As.Issuer),
            ClientId = clientId,
            AssertionKey = ClientAssertionKey.Load(path, password),
            GrantType = OAuthGrantType.ClientCredentials,
        });

    [Fact]
    public async Task A_401_leads_to_the_grant_with_the_secret_sent_as_the_metadata_lists_never_to_a_sign_in_and_the_token_is_cached()
    {
        SetSecretClient(As);
        var endpoint = As.Endpoint("header");
        var nobody = new SandboxSignIn(Sandbox.CaCertificate) { CanSignIn = false };
        using (nobody)
        {
            var result = await WhoAmIAsync(endpoint, nobody);
            Assert.StartsWith(SandboxAuthorizationServer.MachineClientId, result.Text, StringComparison.Ordinal);
            Assert.Equal(0, nobody.Count);
        }

        Assert.Equal(1, As.ClientCredentialsGrants);
        Assert.Equal(0, As.Authorizations);
        Assert.Equal("basic", As.LastClientAuthentication);
        var entry = Assert.Single(Session.Tokens.SignIns.GetEntries());
        Assert.Equal(TokenKind.ClientCredentials, entry.Kind);
        Assert.Equal(As.Issuer, entry.Issuer);
        Assert.Equal(SandboxAuthorizationServer.MachineClientId, entry.ClientId);
        Assert.Equal(endpoint.AbsoluteUri, entry.Resource);

        await WhoAmIAsync(endpoint);
        Assert.Equal(1, As.ClientCredentialsGrants);
        Assert.Equal(0, Person.Count);
    }

    [Fact]
    public async Task At_the_default_endpoints_of_a_server_without_metadata_the_secret_goes_in_the_body()
    {
        var bare = Sandbox.BareAuthorization;
        SetSecretClient(bare);

        var result = await WhoAmIAsync(bare.Endpoint("bare"));

        Assert.StartsWith(SandboxAuthorizationServer.MachineClientId, result.Text, StringComparison.Ordinal);
        Assert.Equal("post", bare.LastClientAuthentication);
        Assert.Equal(0, bare.Registrations);
    }

    [Theory]
    [InlineData(SandboxAuthorizationServer.RsaAssertionClientId, "pem")]
    [InlineData(SandboxAuthorizationServer.RsaAssertionClientId, "pfx")]
    [InlineData(SandboxAuthorizationServer.EcAssertionClientId, "pem")]
    public async Task A_signed_client_assertion_authenticates_the_client(string clientId, string format)
    {
        var files = Sandbox.ClientKeyFiles;
        if (format == "pfx")
        {
            SetKeyClient(clientId, files.RsaPfx, SandboxAuthorizationServer.ClientKeyPfxPassword);
        }
        else
        {
            SetKeyClient(clientId, clientId == SandboxAuthorizationServer.EcAssertionClientId ? files.EcPem : files.RsaPem);
        }

        var result = await WhoAmIAsync(As.Endpoint("header"));

        Assert.StartsWith(clientId, result.Text, StringComparison.Ordinal);
        Assert.Equal("private_key_jwt", As.LastClientAuthentication);
        Assert.Equal(TokenKind.ClientCredentials, Assert.Single(Session.Tokens.SignIns.GetEntries()).Kind);
    }

    [Fact]
    public async Task A_401_to_the_cached_token_runs_the_grant_again_once_and_resends()
    {
        SetSecretClient(As);
        await WhoAmIAsync(As.Endpoint("header"));
        var first = Assert.Single(Session.Tokens.SignIns.GetEntries()).Fingerprint;
        As.RevokeAll();

        var result = await WhoAmIAsync(As.Endpoint("header"));

        Assert.StartsWith(SandboxAuthorizationServer.MachineClientId, result.Text, StringComparison.Ordinal);
        Assert.Equal(2, As.ClientCredentialsGrants);
        Assert.Equal(0, Person.Count);
        Assert.NotEqual(first, Assert.Single(Session.Tokens.SignIns.GetEntries()).Fingerprint);
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_grant()
    {
        SetSecretClient(As);
        var calls = Enumerable.Range(0, 6).Select(_ => Task.Run(() => WhoAmIAsync(As.Endpoint("wellknown")))).ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.StartsWith(SandboxAuthorizationServer.MachineClientId, r.Text, StringComparison.Ordinal));
        Assert.Equal(1, As.ClientCredentialsGrants);
    }

    [Fact]
    public async Task A_403_insufficient_scope_runs_the_grant_for_the_wider_scope()
    {
        SetSecretClient(As);

        var result = await WhoAmIAsync(As.Endpoint("scoped"));

        Assert.Contains("files:write", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, As.ClientCredentialsGrants);
        Assert.DoesNotContain("offline_access", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_its_own_kind_and_neither_error_nor_log_shows_the_secret()
    {
        const string Wrong = "wrong-machine-secret-value";
        SetSecretClient(As, Wrong);
        var log = new RecordingSink();
        OAuthException e;
        using (CallLog.Use(log))
        {
            e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header")));
        }

        Assert.Equal(OAuthErrorKind.ClientCredentialsRefused, e.Kind);
        Assert.Equal("invalid_client", e.OAuthError);
        Assert.Equal(new Uri(As.Issuer), e.Issuer);
        Assert.Equal(0, Person.Count);
        Assert.NotEmpty(log.Messages);
        foreach (var text in log.Messages.Append(e.ToString()))
        {
            Assert.DoesNotContain("secret-value", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String("agw-machine:wrong"u8.ToArray())[..12], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_assertion_signed_by_a_key_the_server_does_not_know_is_refused_and_no_assertion_reaches_the_log()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agw-unknown-{Guid.NewGuid():N}.pem");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        }

        try
        {
            SetKeyClient(SandboxAuthorizationServer.RsaAssertionClientId, path);
            var log = new RecordingSink();
            OAuthException e;
            using (CallLog.Use(log))
            {
                e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header")));
            }

            Assert.Equal(OAuthErrorKind.ClientCredentialsRefused, e.Kind);
            foreach (var text in log.Messages.Append(e.ToString()))
            {
                Assert.DoesNotContain("eyJ", text, StringComparison.Ordinal);
                Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
