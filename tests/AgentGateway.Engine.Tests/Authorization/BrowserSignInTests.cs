using System.Net;
using System.Net.Sockets;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Tests.Mcp;
using AgentGateway.Sandbox.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// The interactive sign-in (<see cref="BrowserSignIn"/>) end to end against the sandbox's OpenIddict authorization server:
/// a fake browser does what the system browser would (GETs the authorization URL, where the sandbox signs "alice" in,
/// and follows the redirect to the loopback listener); without a browser the URL is shown and the redirected URL pasted.
/// Also the discovery and refusal variants the interactive path shares: RFC 8414 path insertion, an http authorization
/// endpoint, the sign-in bound.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class BrowserSignInTests : SandboxAuthorizationTests
{
    private readonly HttpClient _http;

    public BrowserSignInTests(SandboxGatewayFixture fixture)
        : base(fixture)
    {
        SetPublicClient(Sandbox.Authorization, Sandbox.TenantAuthorization);
        _http = new HttpClient(SandboxSignIn.TrustingHandler(Sandbox.CaCertificate));
    }

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task The_browser_comes_back_to_the_loopback_listener_which_answers_it_and_closes()
    {
        var browser = new FakeBrowser(_http);
        var prompt = new FakePrompt();

        var result = await WhoAmIAsync(As.Endpoint("header"), new BrowserSignIn(browser, prompt));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, As.CodeExchanges);
        var redirectUri = new Uri(OAuthFlow.Query(browser.Opened!)["redirect_uri"]);
        Assert.Equal("127.0.0.1", redirectUri.Host);
        Assert.NotEqual(80, redirectUri.Port);
        Assert.Equal("/callback", redirectUri.AbsolutePath);
        var (status, page) = await browser.Done!;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Signed in", page, StringComparison.Ordinal);
        Assert.DoesNotContain("code", page, StringComparison.OrdinalIgnoreCase);
        var told = Assert.Single(prompt.Told);
        Assert.Contains(redirectUri.GetLeftPart(UriPartial.Path), told, StringComparison.Ordinal);
        Assert.Empty(prompt.Asked);

        // Closed after its one redirect.
        using var late = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, redirectUri.Port));
    }

    [Fact]
    public async Task A_client_ID_metadata_document_listing_the_portless_loopback_URI_signs_in_through_the_listener_on_any_port()
    {
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(As.Issuer), ClientMetadataUrl = As.ClientMetadataDocument });
        var browser = new FakeBrowser(_http);

        var result = await WhoAmIAsync(As.Endpoint("header"), new BrowserSignIn(browser, new FakePrompt()));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(As.ClientMetadataDocument.AbsoluteUri, OAuthFlow.Query(browser.Opened!)["client_id"]);
        Assert.Equal(HttpStatusCode.OK, (await browser.Done!).Status);
    }

    [Fact]
    public async Task A_request_with_another_state_is_refused_by_the_listener_which_keeps_waiting_for_the_right_one()
    {
        var browser = new FakeBrowser(_http) { ForgeFirst = true };

        var result = await WhoAmIAsync(As.Endpoint("header"), new BrowserSignIn(browser, new FakePrompt()));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, browser.ForgedStatus);
        Assert.Contains("state", browser.ForgedPage, StringComparison.Ordinal);
        Assert.Equal(1, As.CodeExchanges);
    }

    [Fact]
    public async Task Where_no_browser_opens_the_URL_is_shown_and_the_pasted_redirected_URL_completes_the_sign_in()
    {
        var prompt = new FakePrompt { Paste = async message => await RedirectOfAsync(UrlIn(message)) };

        var result = await WhoAmIAsync(As.Endpoint("header"), new BrowserSignIn(new FakeBrowser(_http) { WhyNot = "no display (DISPLAY is not set)" }, prompt));

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        var asked = Assert.Single(prompt.Asked);
        Assert.Contains("no display", asked, StringComparison.Ordinal);
        Assert.Contains("it is not shown", asked, StringComparison.Ordinal);
        Assert.Empty(prompt.Told);
    }

    [Fact]
    public async Task A_browser_that_never_comes_back_ends_at_the_sign_in_bound_with_its_kind()
    {
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(As.Issuer), ClientId = SandboxAuthorizationServer.PublicClientId, SignInTimeout = TimeSpan.FromSeconds(1) });
        var browser = new FakeBrowser(_http) { Stays = true };

        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("header"), new BrowserSignIn(browser, new FakePrompt())));

        Assert.Equal(OAuthErrorKind.TimedOut, e.Kind);
        Assert.Contains("1 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, As.CodeExchanges);

        // The listener is closed with the sign-in.
        var port = new Uri(OAuthFlow.Query(browser.Opened!)["redirect_uri"]).Port;
        using var late = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task A_handler_that_never_answers_ends_at_the_sign_in_bound()
    {
        Session.Tokens.SignIns.SetClient(new OAuthClientSettings { Issuer = new Uri(As.Issuer), ClientId = SandboxAuthorizationServer.PublicClientId, SignInTimeout = TimeSpan.FromSeconds(1) });
        using var slow = new SandboxSignIn(Sandbox.CaCertificate) { Delay = TimeSpan.FromMinutes(5) };

        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("wellknown"), slow));

        Assert.Equal(OAuthErrorKind.TimedOut, e.Kind);
        Assert.Equal(1, slow.Count);
        Assert.Equal(0, As.CodeExchanges);
    }

    [Fact]
    public async Task An_issuer_with_a_path_is_found_by_RFC_8414_path_insertion()
    {
        var tenant = Sandbox.TenantAuthorization;
        Assert.EndsWith("/tenant1", tenant.Issuer, StringComparison.Ordinal);
        using var person = new SandboxSignIn(Sandbox.CaCertificate);

        var result = await WhoAmIAsync(tenant.Endpoint("header"), person);

        Assert.StartsWith("alice", result.Text, StringComparison.Ordinal);
        Assert.Equal(tenant.Issuer, person.Last!.Issuer.OriginalString);
        Assert.Equal(1, tenant.CodeExchanges);
        Assert.Equal(tenant.Issuer, Assert.Single(Session.Tokens.SignIns.GetEntries()).Issuer);
        Assert.Equal(
            new Uri(tenant.BaseUrl, ".well-known/oauth-authorization-server/tenant1"),
            OAuthDiscovery.ServerMetadataUrls(new Uri(tenant.Issuer)).First());
    }

    [Fact]
    public async Task A_plain_http_authorization_endpoint_in_the_metadata_is_refused_before_the_person_is_asked()
    {
        using var person = new SandboxSignIn(Sandbox.CaCertificate);

        var e = await Assert.ThrowsAsync<OAuthException>(() => WhoAmIAsync(As.Endpoint("plainauthz"), person));

        Assert.Equal(OAuthErrorKind.InsecureEndpoint, e.Kind);
        Assert.Contains("http://auth.example.com/authorize", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, person.Count);
    }

    [Fact]
    public async Task The_listener_answers_404_off_its_path_and_listens_on_the_port_a_redirect_URI_names()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var listener = LoopbackRedirectListener.Start(new Uri($"http://127.0.0.1:{port}/cb"), "the-state");
        Assert.Equal(port, listener.RedirectUri.Port);
        using var plain = new HttpClient();

        using var favicon = await plain.GetAsync(new Uri(listener.RedirectUri, "/favicon.ico"));
        using var forged = await plain.GetAsync(new Uri(listener.RedirectUri, "/cb?code=x&state=other"));
        Assert.Equal(HttpStatusCode.NotFound, favicon.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(1, listener.Refused);
        Assert.False(listener.Redirected.IsCompleted);

        using var right = await plain.GetAsync(new Uri(listener.RedirectUri, "/cb?code=x&state=the-state"));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("x", OAuthFlow.Query(await listener.Redirected)["code"]);
    }

    /// <summary>Where the sandbox's authorization server sends the browser for <paramref name="url"/> (it signs alice in at once).</summary>
    private async Task<string> RedirectOfAsync(Uri url)
    {
        using var response = await _http.GetAsync(url);
        return response.Headers.Location!.AbsoluteUri;
    }

    private static Uri UrlIn(string message) =>
        new(message.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("https://", StringComparison.Ordinal)));

    /// <summary>
    /// A browser as a person drives it: GETs the authorization URL (the sandbox signs alice in at once) and follows each
    /// redirect, the last one to the loopback listener, in the background like a real browser. With
    /// <see cref="ForgeFirst"/> a forged redirect with another state reaches the listener first.
    /// </summary>
    private sealed class FakeBrowser(HttpClient http) : IBrowserLauncher
    {
        public string? WhyNot { get; init; }

        public bool ForgeFirst { get; init; }

        public bool Stays { get; init; }

        public Uri? Opened { get; private set; }

        public Task<(HttpStatusCode Status, string Page)>? Done { get; private set; }

        public HttpStatusCode? ForgedStatus { get; private set; }

        public string ForgedPage { get; private set; } = string.Empty;

        public Task<string?> OpenAsync(Uri url, CancellationToken cancellationToken)
        {
            Opened = url;
            if (WhyNot is null && !Stays)
            {
                Done = Task.Run(() => BrowseAsync(url));
            }

            return Task.FromResult(WhyNot);
        }

        private async Task<(HttpStatusCode, string)> BrowseAsync(Uri url)
        {
            if (ForgeFirst)
            {
                var redirectUri = OAuthFlow.Query(url)["redirect_uri"];
                using var forged = await http.GetAsync(new Uri($"{redirectUri}?code=stolen&state=forged"));
                ForgedStatus = forged.StatusCode;
                ForgedPage = await forged.Content.ReadAsStringAsync();
            }

            for (var hop = 0; ; hop++)
            {
                using var response = await http.GetAsync(url);
                if (response.Headers.Location is not { } next || hop == 5)
                {
                    return (response.StatusCode, await response.Content.ReadAsStringAsync());
                }

                url = next.IsAbsoluteUri ? next : new Uri(url, next);
            }
        }
    }

    private sealed class FakePrompt : ISignInPrompt
    {
        public List<string> Told { get; } = [];

        public List<string> Asked { get; } = [];

        public Func<string, Task<string?>>? Paste { get; init; }

        public Task TellAsync(string message, CancellationToken cancellationToken)
        {
            lock (Told)
            {
                Told.Add(message);
            }

            return Task.CompletedTask;
        }

        public async Task<string?> ReadRedirectedUrlAsync(string message, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(message);
            }

            return Paste is null ? null : await Paste(message);
        }
    }
}
