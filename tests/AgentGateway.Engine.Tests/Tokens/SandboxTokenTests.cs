using System.Collections.Concurrent;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Tokens;

/// <summary>The token client and provider against the sandbox IAS: real Kestrel, HTTPS, client certificate required.</summary>
[Trait("Category", "Integration")]
public sealed class SandboxTokenTests : IAsyncLifetime
{
    private static readonly TokenClientOptions s_fast = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-sbx-");
    private SandboxGateway _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxGateway.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private AgentCredentials Credentials() =>
        CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, _sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, "creds.json"))));

    private TokenClient Client(AgentCredentials credentials, TokenClientOptions? options = null) =>
        new(credentials, TrustedCaFile.Load(_sandbox.CaCertificatePath), TimeSpan.FromSeconds(30), null, options ?? s_fast);

    private ClientConfig Config() => ClientConfig.Default.With(trustedCaPath: _sandbox.CaCertificatePath, timeout: TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_system_token_comes_over_mutual_tls()
    {
        using var credentials = Credentials();
        using var client = Client(credentials);

        var response = await client.RequestSystemTokenAsync();

        Assert.True(TokenExpiry.TryReadJwtExpiry(response.AccessToken, out _));
        var stats = _sandbox.GetStats();
        Assert.Equal((1L, 1L, 0L), (stats.ClientCredentials, stats.TokensIssued, stats.TokenRequestsRejected));
    }

    [Fact]
    public async Task A_client_without_the_certificate_is_refused()
    {
        // Same client id and URL, but transparent mode: no client certificate on the connection.
        using var credentials = new AgentCredentials(_sandbox.ClientId, _sandbox.TokenServiceUrl, _sandbox.GatewayUrl, [], CredentialSource.None);
        using var client = Client(credentials, s_fast with { MaxRetryAttempts = 1 });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Null(e.StatusCode);
        Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.Equal(0, _sandbox.GetStats().TokensIssued);
    }

    [Fact]
    public async Task The_server_certificate_is_verified_without_the_trusted_ca()
    {
        using var credentials = Credentials();
        using var client = new TokenClient(credentials, trustedRoots: null, TimeSpan.FromSeconds(30), null, s_fast with { MaxRetryAttempts = 0 });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Null(e.StatusCode);
        Assert.Equal(0, _sandbox.GetStats().TokenRequests);
    }

    [Fact]
    public async Task An_untrusted_server_chain_names_the_root_cause_and_is_not_retried()
    {
        using var credentials = Credentials();
        using var client = new TokenClient(credentials, trustedRoots: null, TimeSpan.FromSeconds(30), null, s_fast with { MaxRetryAttempts = 3 });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Equal(TokenErrorKind.Tls, e.Kind);
        Assert.Equal(AgentGateway.Engine.Http.TlsFailureCause.ServerCertificateNotTrusted, e.TlsCause);
        Assert.Equal(1, e.Attempts);
        Assert.Contains("not trusted by the system store", e.Message, StringComparison.Ordinal);
        Assert.Matches("UntrustedRoot|PartialChain", e.Message);
    }

    [Fact]
    public async Task A_client_certificate_the_token_service_rejects_says_so()
    {
        // A certificate the sandbox CA did not issue: the token service refuses the handshake.
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={_sandbox.ClientId}", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var json = System.Text.Json.Nodes.JsonNode.Parse(_sandbox.CredentialsJson())!;
        json["certificate"] = selfSigned.ExportCertificatePem();
        json["privateKey"] = key.ExportPkcs8PrivateKeyPem();
        var path = Path.Combine(_dir.FullName, "foreign.json");
        File.WriteAllText(path, json.ToJsonString());
        using var credentials = CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path));
        using var client = Client(credentials, s_fast with { MaxRetryAttempts = 3 });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Contains("client certificate", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _sandbox.GetStats().TokensIssued);
    }

    [Fact]
    public async Task A_hung_token_service_during_a_call_is_the_token_services_timeout()
    {
        _sandbox.ResponseDelay = TimeSpan.FromSeconds(20);
        using var provider = new TokenProvider(Credentials(), Config(), null, s_fast);
        var pool = new AgentGateway.Engine.Mcp.Transport.McpClientPool(new AgentGateway.Engine.Mcp.Transport.McpPoolOptions { TrustedCaPath = _sandbox.CaCertificatePath });
        await using var _ = pool;
        var dependency = _sandbox.Dependencies[0];
        var target = AgentGateway.Engine.Mcp.McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(dependency.OrdId, dependency.GlobalTenantId));

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => new AgentGateway.Engine.Mcp.Calls.McpGatewayClient(pool).CallToolAsync(
            target, AgentGateway.Engine.Mcp.Transport.McpAuth.Gateway(provider, _sandbox.GatewayUrl), "ping", null, timeout: TimeSpan.FromSeconds(2)));

        Assert.Equal(TokenErrorKind.Timeout, e.Kind);
        Assert.Contains("token service", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _sandbox.GetStats().McpRequests);
    }

    [Fact]
    public async Task Ten_sequential_requests_use_one_tls_handshake()
    {
        using var credentials = Credentials();
        using var client = Client(credentials);
        var tokens = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            tokens.Add((await client.RequestSystemTokenAsync()).AccessToken);
        }

        var stats = _sandbox.GetStats();
        Assert.Equal(10, tokens.Count);
        Assert.Equal(10, stats.ClientCredentials);
        Assert.Equal(1, stats.TlsHandshakes);
    }

    [Fact]
    public async Task Server_errors_are_retried_then_succeed()
    {
        using var credentials = Credentials();
        using var client = Client(credentials);
        _sandbox.FailNext(2, 503);

        var response = await client.RequestSystemTokenAsync();

        Assert.Equal(3, response.Attempts);
        var stats = _sandbox.GetStats();
        Assert.Equal((3L, 2L, 1L), (stats.TokenRequests, stats.InjectedFailures, stats.TokensIssued));
    }

    [Fact]
    public async Task A_400_is_not_retried_and_carries_the_oauth_error()
    {
        using var credentials = Credentials();
        using var client = Client(credentials);
        _sandbox.FailNext(1, 400, oauthError: "invalid_request");

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Equal(400, e.StatusCode);
        Assert.Equal("invalid_request", e.OAuthError);
        Assert.Equal(1, e.Attempts);
        Assert.Equal(1, _sandbox.GetStats().TokenRequests);
    }

    [Fact]
    public async Task A_429_retry_after_is_honoured()
    {
        var retries = new ConcurrentQueue<TokenRetryInfo>();
        using var credentials = Credentials();
        using var client = Client(credentials, s_fast with { OnRetry = retries.Enqueue });
        _sandbox.FailNext(1, 429, retryAfter: TimeSpan.FromSeconds(1));

        await client.RequestSystemTokenAsync();

        var retry = Assert.Single(retries);
        Assert.Equal(429, retry.StatusCode);
        Assert.True(retry.FromRetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Delay);
        Assert.Equal(2, _sandbox.GetStats().TokenRequests);
    }

    [Fact]
    public async Task User_tokens_are_exchanged_once_per_jwt_and_cached()
    {
        using var provider = new TokenProvider(Credentials(), Config(), options: s_fast);
        var alice = _sandbox.IssueUserJwt("alice");
        var bob = _sandbox.IssueUserJwt("bob");

        var callers = Enumerable.Range(0, 40).Select(i => Task.Run(() => provider.GetTokenAsync(i % 2 == 0 ? alice : bob, default).AsTask())).ToArray();
        var tokens = await Task.WhenAll(callers);
        await provider.GetTokenAsync(alice, default);

        Assert.Equal(2, tokens.Select(t => t.Value).Distinct().Count());
        Assert.All(tokens, t => Assert.Equal(TokenKind.User, t.Kind));
        var stats = _sandbox.GetStats();
        Assert.Equal((2L, 0L), (stats.JwtBearer, stats.ClientCredentials));
        Assert.Equal(2, provider.GetStatistics().TokenRequests);
    }

    [Fact]
    public async Task Concurrent_callers_on_a_cold_cache_cause_one_system_token_request()
    {
        using var provider = new TokenProvider(Credentials(), Config(), options: s_fast);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => provider.GetTokenAsync(null, default).AsTask())));
        Assert.Single(tokens.Select(t => t.Value).Distinct());
        Assert.Equal(1, _sandbox.GetStats().ClientCredentials);
    }

    [Theory]
    [InlineData(TokenResponseShape.ExpiresIn, nameof(TokenExpirySource.ExpiresIn))]
    [InlineData(TokenResponseShape.ExpiresAt, nameof(TokenExpirySource.ExpiresAt))]
    [InlineData(TokenResponseShape.ExpiresAtIso, nameof(TokenExpirySource.ExpiresAt))]
    [InlineData(TokenResponseShape.JwtExpOnly, nameof(TokenExpirySource.AccessTokenExp))]
    [InlineData(TokenResponseShape.IdToken, nameof(TokenExpirySource.IdTokenExp))]
    [InlineData(TokenResponseShape.None, nameof(TokenExpirySource.Fallback))]
    public async Task Every_response_shape_gives_the_right_expiry(TokenResponseShape shape, string sourceName)
    {
        var source = Enum.Parse<TokenExpirySource>(sourceName);
        // One fake clock for the sandbox's issuing and our expiry, on a whole second (epoch fields are whole seconds).
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var time = new FakeTimeProvider(start);
        await using var sandbox = await SandboxGateway.StartAsync(new SandboxOptions { TimeProvider = time, Shape = shape, TokenLifetime = TimeSpan.FromMinutes(30) });
        var path = sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, $"creds-{shape}.json"));
        using var credentials = CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path));
        using var client = new TokenClient(credentials, TrustedCaFile.Load(sandbox.CaCertificatePath), TimeSpan.FromSeconds(30), null, s_fast);
        var config = ClientConfig.Default.With(tokenExpiryBuffer: TimeSpan.FromSeconds(60), fallbackTokenTtl: TimeSpan.FromSeconds(300));

        var response = await client.RequestSystemTokenAsync();
        var expiry = TokenExpiry.Compute(response, time.GetUtcNow(), config.TokenExpiryBuffer, config.FallbackTokenTtl);

        Assert.Equal(source, expiry.Source);
        Assert.Equal(
            source == TokenExpirySource.Fallback ? TimeSpan.FromSeconds(300) : TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(60),
            expiry.ServableLifetime);
    }

    [Fact]
    public async Task A_session_resolves_credentials_once_and_again_after_a_credential_change()
    {
        var path = _sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, "session-creds.json"));
        using var session = new RunspaceState(_ => null, tokenClientOptions: s_fast);
        session.UpdateConfig(c => c.With(credentialPath: path, trustedCaPath: _sandbox.CaCertificatePath));

        var provider = session.Tokens.GetTokenProvider();
        var token = await provider.GetTokenAsync(null, default);
        Assert.Same(provider, session.Tokens.GetTokenProvider());
        var description = session.Tokens.DescribeCredentials();
        Assert.Equal(_sandbox.ClientId, description.ClientId);
        Assert.Equal(CredentialMode.Standard, description.Mode);
        Assert.Equal(_sandbox.Dependencies.Count, description.Dependencies.Count);
        Assert.DoesNotContain(_sandbox.ClientPrivateKeyPem[40..80], description.ToString(), StringComparison.Ordinal);

        session.UpdateConfig(c => c.With(maxUserTokenCacheSize: 3));
        Assert.Same(provider, session.Tokens.GetTokenProvider());
        Assert.Equal(3, provider.Config.MaxUserTokenCacheSize);
        Assert.Same(token, await provider.GetTokenAsync(null, default));

        var copy = _sandbox.WriteCredentialsFile(Path.Combine(_dir.FullName, "session-creds-2.json"));
        session.UpdateConfig(c => c.With(credentialPath: copy));
        var renewed = session.Tokens.GetTokenProvider();
        Assert.NotSame(provider, renewed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => provider.GetTokenAsync(null, default).AsTask());
        Assert.NotEqual(token.Value, (await renewed.GetTokenAsync(null, default)).Value);
        Assert.Equal(2, _sandbox.GetStats().ClientCredentials);

        session.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => renewed.GetTokenAsync(null, default).AsTask());
    }

    [Fact]
    public void A_session_without_credentials_throws_and_looks_again_next_time()
    {
        var env = new Dictionary<string, string> { [CredentialSourceLocator.ServiceBindingRootVariable] = _dir.FullName };
        using var session = new RunspaceState(env.GetValueOrDefault);

        Assert.Throws<CredentialException>(() => session.Tokens.GetTokenProvider());
        _sandbox.WriteServiceBinding(_dir.FullName);
        session.UpdateConfig(c => c.With(trustedCaPath: _sandbox.CaCertificatePath));

        Assert.Equal(CredentialSourceKind.ServiceBinding, session.Tokens.GetTokenProvider().Credentials.Source.Kind);
    }

    [Fact]
    public async Task Each_retried_attempt_and_its_cause_reaches_the_log_of_every_caller_waiting_for_the_fetch()
    {
        // Two 503s, then a token. The fetch is held at the sandbox until a second caller has joined it, so both wait on it.
        using var provider = new TokenProvider(Credentials(), Config(), null, s_fast);
        _sandbox.FailNext(2, 503);
        _sandbox.HoldTokenResponses();
        var first = new RecordingSink();
        var joined = new RecordingSink();
        Task<AccessToken> firstCall, joinedCall;
        using (CallLog.Use(first))
        {
            firstCall = provider.GetTokenAsync(null, CancellationToken.None).AsTask();
        }

        await WaitUntilAsync(() => _sandbox.HeldTokenRequests == 1);
        using (CallLog.Use(joined))
        {
            joinedCall = provider.GetTokenAsync(null, CancellationToken.None).AsTask();
        }

        _sandbox.ReleaseTokenResponses();
        var tokens = await Task.WhenAll(firstCall, joinedCall);

        Assert.Same(tokens[0], tokens[1]);
        Assert.Equal(3, _sandbox.GetStats().ClientCredentials);
        Assert.Contains(joined.Messages, m => m.Contains("joining the request already in flight", StringComparison.Ordinal));
        foreach (var sink in new[] { first, joined })
        {
            var attempts = sink.Messages.Where(m => m.Contains(" attempt ", StringComparison.Ordinal) && m.Contains("retrying", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, attempts.Count);
            Assert.Contains("attempt 1 failed: HTTP 503 (ServiceUnavailable)", attempts[0], StringComparison.Ordinal);
            Assert.Contains("attempt 2 failed: HTTP 503 (ServiceUnavailable)", attempts[1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_fetch_that_fails_after_its_retries_has_told_the_caller_each_attempt()
    {
        using var provider = new TokenProvider(Credentials(), Config(), null, s_fast with { MaxRetryAttempts = 2 });
        _sandbox.FailNext(5, 502);
        var sink = new RecordingSink();

        using (CallLog.Use(sink))
        {
            var e = await Assert.ThrowsAsync<TokenRequestException>(() => provider.GetTokenAsync(null, CancellationToken.None).AsTask());
            Assert.Equal(502, e.StatusCode);
        }

        var attempts = sink.Messages.Where(m => m.Contains("failed: HTTP 502 (BadGateway); retrying", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Contains("attempt 1 ", attempts[0], StringComparison.Ordinal);
        Assert.Contains("attempt 2 ", attempts[1], StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(limit.IsCancellationRequested, "The condition did not hold within 30 s.");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(TokenResponseShape.ExpiresAt)]
    [InlineData(TokenResponseShape.JwtExpOnly)]
    public async Task A_token_that_arrives_expired_is_not_sent_and_says_why(TokenResponseShape shape)
    {
        // Defect 4: the token service's clock is off; its tokens are expired when they arrive.
        _sandbox.Shape = shape;
        _sandbox.TokenLifetime = TimeSpan.FromSeconds(-120);
        using var provider = new TokenProvider(Credentials(), Config(), null, s_fast);
        var pool = new AgentGateway.Engine.Mcp.Transport.McpClientPool(new AgentGateway.Engine.Mcp.Transport.McpPoolOptions { TrustedCaPath = _sandbox.CaCertificatePath, TransientRetries = 0 });
        await using var _ = pool;
        var dependency = _sandbox.Dependencies[0];
        var target = AgentGateway.Engine.Mcp.McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(dependency.OrdId, dependency.GlobalTenantId));

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => new AgentGateway.Engine.Mcp.Calls.McpGatewayClient(pool).ListToolsAsync(target, AgentGateway.Engine.Mcp.Transport.McpAuth.Gateway(provider, _sandbox.GatewayUrl)));

        Assert.Contains("expiry buffer of 60 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(TokenErrorKind.ExpiredOnArrival, e.Kind);
        var stats = _sandbox.GetStats();
        Assert.Equal(0, stats.McpRequests);
        Assert.True(stats.TokensIssued >= 1);
    }
}
