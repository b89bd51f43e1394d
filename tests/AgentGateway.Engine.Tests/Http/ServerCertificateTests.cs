using System.Text.Json.Nodes;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Http;

/// <summary>
/// Server certificates a client must refuse, presented by real sandbox HTTPS listeners: one of the sandbox CA valid
/// only for client authentication (defect 3), and one chaining to a CA the client is not given (an untrusted chain).
/// Refused before anything is sent, named by its root cause, and not retried (the listeners count handshakes and
/// whatever gets through). TlsTrustTests hold the chain-building rules themselves.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ServerCertificateTests : IAsyncLifetime
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxTokenSource _tokens;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-certs-");

    public ServerCertificateTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _tokens = new SandboxTokenSource(_sandbox);
    }

    public Task InitializeAsync()
    {
        _sandbox.ResetStats();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _tokens.Dispose();
        _dir.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_mcp_server_certificate_valid_only_for_client_authentication_is_refused_and_no_bearer_is_sent()
    {
        // Defect 3: the certificate chains to the TrustedCaPath CA and names the host, but not server authentication.
        var e = await CallAsync(_sandbox.ClientAuthOnlyUrl, trustedCaPath: _sandbox.CaCertificatePath);

        Assert.Equal(McpErrorKind.Connection, e.Kind);
        Assert.Contains("NotValidForUsage", e.Message, StringComparison.Ordinal);
        Assert.Contains(_sandbox.ClientAuthOnlyUrl.Authority, e.Message, StringComparison.Ordinal);
        AssertRefusedOnce();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_untrusted_mcp_server_chain_names_the_chain_status_and_the_host_and_is_not_retried(bool withTrustedCaPath)
    {
        // With TrustedCaPath (the sandbox CA, not the server's) or the system store alone: the chain does not build.
        var e = await CallAsync(_sandbox.UntrustedChainUrl, withTrustedCaPath ? _sandbox.CaCertificatePath : null);

        Assert.Equal(McpErrorKind.Connection, e.Kind);
        Assert.Matches("UntrustedRoot|PartialChain", e.Message);
        Assert.Contains(_sandbox.UntrustedChainUrl.Authority, e.Message, StringComparison.Ordinal);
        Assert.Contains(withTrustedCaPath ? "TrustedCaPath roots" : "system store", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", e.Message, StringComparison.OrdinalIgnoreCase);
        AssertRefusedOnce();
    }

    [Fact]
    public async Task A_token_service_certificate_valid_only_for_client_authentication_is_refused_before_the_request()
    {
        // The same rule on the token service's side: no client-credentials form reaches it, and the failure is not retried.
        var credentials = JsonNode.Parse(_sandbox.CredentialsJson())!.AsObject();
        credentials["tokenServiceUrl"] = new Uri(_sandbox.ClientAuthOnlyUrl, "/oauth2/token").ToString();
        var path = Path.Combine(_dir.FullName, "creds.json");
        await File.WriteAllTextAsync(path, credentials.ToJsonString());
        using var loaded = CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path));
        using var client = new TokenClient(
            loaded, TrustedCaFile.Load(_sandbox.CaCertificatePath), TimeSpan.FromSeconds(30), null, new TokenClientOptions { MaxRetryAttempts = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(5) });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Equal(TokenErrorKind.Tls, e.Kind);
        Assert.Contains("NotValidForUsage", e.Message, StringComparison.Ordinal);
        var stats = _sandbox.GetStats();
        Assert.Equal(0, stats.MisfitFormPosts);
        AssertRefusedOnce();
    }

    /// <summary>A tools/list to <paramref name="gatewayUrl"/> with the gateway's bearer token for that origin; the MCP error it ends in.</summary>
    private async Task<McpGatewayException> CallAsync(Uri gatewayUrl, string? trustedCaPath)
    {
        await using var pool = new McpClientPool(new McpPoolOptions
        {
            Timeout = TimeSpan.FromSeconds(20),
            TrustedCaPath = trustedCaPath,
            TransientRetries = 3,
            TransientRetryDelay = TimeSpan.FromMilliseconds(10),
        });
        var dependency = _sandbox.Dependencies[0];
        var target = McpTarget.ForDependency(gatewayUrl.ToString(), new IntegrationDependency(dependency.OrdId, dependency.GlobalTenantId));
        var auth = McpAuth.Gateway(_tokens, gatewayUrl);
        Assert.Equal(McpAuthMode.GatewayToken, auth.ModeFor(target.Url));   // a bearer would go with the request

        return await Assert.ThrowsAnyAsync<McpGatewayException>(() => new McpGatewayClient(pool).ListToolsAsync(target, auth));
    }

    /// <summary>One handshake, refused by the client: nothing got through, so no bearer token or credential went out.</summary>
    private void AssertRefusedOnce()
    {
        var stats = _sandbox.GetStats();
        Assert.Equal(0, stats.MisfitRequests);
        Assert.Equal(0, stats.MisfitBearerRequests);
        Assert.Equal(1, stats.MisfitTlsHandshakes);
    }
}
