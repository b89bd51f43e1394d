using System.Net;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Http;

/// <summary>Which proxy a request takes: the config's, none, the environment's, NO_PROXY (pure logic).</summary>
public sealed class ProxyRouteTests
{
    private static readonly Uri s_api = new("https://api.example.com/v1/mcp");

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("example.com", "https://example.com/", true)]
    [InlineData("example.com", "https://api.example.com/", true)]
    [InlineData(".example.com", "https://api.example.com/", true)]
    [InlineData("*.example.com", "https://api.example.com/", true)]
    [InlineData("example.com", "https://notexample.com/", false)]
    [InlineData("*", "https://anything.test/", true)]
    [InlineData("localhost, 127.0.0.1", "https://127.0.0.1:8443/", true)]
    [InlineData("127.0.0.1:9000", "https://127.0.0.1:8443/", false)]
    [InlineData("127.0.0.1:8443", "https://127.0.0.1:8443/", true)]
    [InlineData("10.0.0.0/8", "https://10.1.2.3/", true)]
    [InlineData("10.0.0.0/8", "https://11.1.2.3/", false)]
    [InlineData("::1", "https://[::1]:8443/", true)]
    [InlineData("[::1]:8443", "https://[::1]:8443/", true)]
    [InlineData("", "https://example.com/", false)]
    public void No_proxy_matches_as_curl_reads_it(string list, string url, bool expected) =>
        Assert.Equal(expected, NoProxyList.Matches(list, new Uri(url)));

    [Fact]
    public void The_environment_proxy_is_used_when_none_is_set_and_its_credentials_never_show()
    {
        var route = ProxySettings.FromEnvironment.RouteFor(s_api, Env(("HTTPS_PROXY", "http://alice:s3cret@proxy.corp:3128")));

        Assert.Equal(new Uri("http://proxy.corp:3128/"), route.Proxy);
        Assert.Equal(("alice", "s3cret"), (route.Credential!.UserName, route.Credential.Password));
        Assert.Contains("HTTPS_PROXY", route.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", route.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Lower_case_wins_and_http_urls_take_http_proxy()
    {
        var env = Env(("https_proxy", "lower:1"), ("HTTPS_PROXY", "http://upper:2"), ("HTTP_PROXY", "http://plain:3"));

        Assert.Equal(new Uri("http://lower:1/"), ProxySettings.FromEnvironment.RouteFor(s_api, env).Proxy);
        Assert.Equal(new Uri("http://plain:3/"), ProxySettings.FromEnvironment.RouteFor(new Uri("http://127.0.0.1:80/"), env).Proxy);
    }

    [Fact]
    public void The_config_proxy_wins_over_the_environment_but_no_proxy_still_holds()
    {
        var settings = new ProxySettings { Address = new Uri("http://set.corp:8080/") };
        var env = Env(("HTTPS_PROXY", "http://env.corp:3128"), ("NO_PROXY", ".internal"));

        Assert.Equal(new Uri("http://set.corp:8080/"), settings.RouteFor(s_api, env).Proxy);
        Assert.Null(settings.RouteFor(new Uri("https://mcp.internal/"), env).Proxy);
        Assert.Contains("NO_PROXY", settings.RouteFor(new Uri("https://mcp.internal/"), env).Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_ignores_every_proxy()
    {
        var settings = new ProxySettings { Disabled = true };

        Assert.Null(settings.RouteFor(s_api, Env(("HTTPS_PROXY", "http://env.corp:3128"), ("ALL_PROXY", "http://all:1"))).Proxy);
    }

    [Fact]
    public void The_config_refuses_a_proxy_with_credentials_or_a_path_and_proxy_with_no_proxy()
    {
        var e = Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(proxy: new Uri("http://bob:pw@proxy:3128/x"), noProxy: true));

        Assert.Contains(e.Problems, p => p.Field == nameof(ClientConfig.Proxy) && p.Message.Contains("credentials", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Field == nameof(ClientConfig.Proxy) && p.Message.Contains("path", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Field == nameof(ClientConfig.NoProxy));
        Assert.DoesNotContain("pw", e.Message, StringComparison.Ordinal);
        Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(proxy: new Uri("ftp://proxy:21/")));
    }
}

/// <summary>
/// The token service (mutual TLS) and the gateway through a real CONNECT proxy (<see cref="ConnectProxy"/>), with and
/// without Basic authentication, and a 407 named for what it is.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ProxyIntegrationTests : IAsyncLifetime
{
    private static readonly TokenClientOptions s_fast = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(5) };
    private readonly SandboxGateway _sandbox;
    private readonly string _folder = Directory.CreateTempSubdirectory("agw-proxy-").FullName;
    private readonly string _credentials;
    private ConnectProxy _open = null!;
    private ConnectProxy _basic = null!;

    public ProxyIntegrationTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _credentials = _sandbox.WriteCredentialsFile(Path.Combine(_folder, "credentials.json"));
    }

    public Task InitializeAsync()
    {
        _open = ConnectProxy.Start();
        _basic = ConnectProxy.Start("agent", "pr0xy-pass");
        _sandbox.ResetStats();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _open.DisposeAsync();
        await _basic.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private TokenClient TokenClient(AgentCredentials credentials, ProxySettings proxy, Func<string, string?>? env = null) =>
        new(credentials, TrustedCaFile.Load(_sandbox.CaCertificatePath), TimeSpan.FromSeconds(30), null, s_fast, proxy, env ?? (_ => null));

    private AgentCredentials Credentials() => CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, _credentials));

    private RunspaceState Session(Func<ClientConfig, ClientConfig> proxy, Func<string, string?>? env = null)
    {
        var session = new RunspaceState(env ?? (_ => null));
        session.UpdateConfig(c => proxy(c.With(credentialPath: _credentials, trustedCaPath: _sandbox.CaCertificatePath)));
        return session;
    }

    private static McpCallRequest Echo(string message) => new() { ToolName = "echo", Arguments = new Dictionary<string, object?> { ["message"] = message } };

    [Fact]
    public async Task A_system_token_comes_over_mutual_tls_through_an_open_proxy()
    {
        using var credentials = Credentials();
        using var client = TokenClient(credentials, new ProxySettings { Address = _open.Url });

        await client.RequestSystemTokenAsync();

        Assert.Equal(1, _open.Tunnels);
        Assert.Equal(1, _sandbox.GetStats().TokensIssued);
    }

    [Fact]
    public async Task A_proxy_that_asks_for_basic_authentication_gets_the_credentials_set_for_it()
    {
        using var credentials = Credentials();
        using var client = TokenClient(credentials, new ProxySettings { Address = _basic.Url, Credential = new NetworkCredential("agent", "pr0xy-pass") });

        await client.RequestSystemTokenAsync();

        Assert.True(_basic.AuthenticationRefusals >= 1, "the first CONNECT went without credentials and was answered 407");
        Assert.Equal(1, _basic.Tunnels);
        Assert.Equal(1, _sandbox.GetStats().TokensIssued);
    }

    [Fact]
    public async Task A_407_from_the_proxy_names_the_proxy_is_not_retried_and_sends_nothing_on()
    {
        using var credentials = Credentials();
        using var client = TokenClient(credentials, new ProxySettings { Address = _basic.Url });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Equal(407, e.ProxyStatus);
        Assert.Equal(_basic.Url, e.Proxy);
        Assert.Contains(ProxySettings.Describe(_basic.Url), e.Message, StringComparison.Ordinal);
        Assert.Contains("407", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, e.Attempts);
        Assert.Equal(0, _basic.Tunnels);
        Assert.Equal(0, _sandbox.GetStats().TokenRequests);
    }

    [Fact]
    public async Task Wrong_proxy_credentials_are_said_to_be_refused_and_never_shown()
    {
        using var credentials = Credentials();
        using var client = TokenClient(credentials, new ProxySettings { Address = _basic.Url, Credential = new NetworkCredential("agent", "wr0ng-pass") });

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => client.RequestSystemTokenAsync());

        Assert.Equal(407, e.ProxyStatus);
        Assert.Contains("refused the credentials", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wr0ng-pass", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_call_goes_through_a_basic_proxy_for_the_token_service_and_the_gateway()
    {
        using var session = Session(c => c.With(proxy: _basic.Url, proxyCredential: new NetworkCredential("agent", "pr0xy-pass")));

        var call = await session.PrepareCallAsync(Echo("through the proxy"));
        var result = await call.InvokeAsync();

        Assert.Equal("through the proxy", result.Text);
        Assert.True(_basic.Tunnels >= 2, $"the token service and the gateway were both reached through the proxy (tunnels: {_basic.Tunnels})");
        Assert.Equal(1, _sandbox.GetStats().ToolsCall);
    }

    [Fact]
    public async Task A_407_on_the_way_to_the_gateway_is_a_proxy_failure_naming_the_proxy()
    {
        // The token service bypasses the proxy (NO_PROXY with its port); the gateway goes through it, without credentials.
        var env = new Dictionary<string, string> { ["NO_PROXY"] = $"127.0.0.1:{_sandbox.TokenServiceUrl.Port}" };
        using var session = Session(c => c.With(proxy: _basic.Url), name => env.GetValueOrDefault(name));

        var e = await Assert.ThrowsAsync<McpGatewayException>(() => session.PrepareCallAsync(Echo("x") with { Uri = _sandbox.McpEndpoint(_sandbox.Dependencies[0]) }));

        Assert.Equal(McpErrorKind.Proxy, e.Kind);
        Assert.Equal(407, e.StatusCode);
        Assert.Equal(_basic.Url, e.Proxy);
        Assert.Contains(ProxySettings.Describe(_basic.Url), e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _sandbox.GetStats().TokensIssued);
        Assert.Equal(0, _sandbox.GetStats().ToolsList);
    }

    [Fact]
    public async Task The_environment_proxy_is_taken_and_no_proxy_sends_around_it()
    {
        var env = new Dictionary<string, string> { ["HTTPS_PROXY"] = _open.Url.ToString() };
        using (var session = Session(c => c, name => env.GetValueOrDefault(name)))
        {
            await (await session.PrepareCallAsync(Echo("env"))).InvokeAsync();
        }

        var tunnels = _open.Tunnels;
        Assert.True(tunnels >= 2, $"HTTPS_PROXY was used (tunnels: {tunnels})");

        env["NO_PROXY"] = "localhost,127.0.0.1";
        using (var session = Session(c => c, name => env.GetValueOrDefault(name)))
        {
            await (await session.PrepareCallAsync(Echo("around"))).InvokeAsync();
        }

        Assert.Equal(tunnels, _open.Tunnels);
    }

    [Fact]
    public async Task No_proxy_in_the_config_goes_direct_whatever_the_environment_says()
    {
        var env = new Dictionary<string, string> { ["HTTPS_PROXY"] = _basic.Url.ToString() };
        using var session = Session(c => c.With(noProxy: true), name => env.GetValueOrDefault(name));

        await (await session.PrepareCallAsync(Echo("direct"))).InvokeAsync();

        Assert.Equal(0, _basic.Requests);
    }
}
