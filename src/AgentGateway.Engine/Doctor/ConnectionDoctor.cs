using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Runspace;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Doctor;

/// <summary>
/// Says where a setup breaks, stage by stage, each reported as it ends: the credentials (source, file), the client
/// certificate (subject, validity, days left; its key was matched when it loaded), the proxy when one is on the way,
/// the token service (DNS, TCP, TLS, mutual TLS), a system token, a user-token exchange when a user JWT is given, the
/// gateway, and each dependency (revision, tool count, latency). With an endpoint URL instead: DNS, TCP, TLS,
/// negotiation, and whether it needs authorization. A stage that fails stops the stages that need it (they are
/// skipped, saying why). Tokens are fetched anew, outside the runspace's cache; none is ever shown.
/// </summary>
internal sealed class ConnectionDoctor
{
    private readonly RunspaceState _state;
    private readonly TimeProvider _time;

    public ConnectionDoctor(RunspaceState state, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs the stages of <paramref name="request"/>, handing each to <paramref name="report"/> as it ends; returns them all.</summary>
    public async Task<IReadOnlyList<ConnectionStage>> RunAsync(ConnectionCheckRequest request, Action<ConnectionStage>? report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = new Run(this, request, report, cancellationToken);
        if (request.Uri is { } uri)
        {
            await run.EndpointAsync(uri).ConfigureAwait(false);
        }
        else
        {
            await run.GatewayAsync().ConfigureAwait(false);
        }

        return run.Stages;
    }

    private sealed class Run(ConnectionDoctor doctor, ConnectionCheckRequest request, Action<ConnectionStage>? report, CancellationToken cancellationToken)
    {
        private readonly ClientConfig _config = doctor._state.Config;

        public List<ConnectionStage> Stages { get; } = [];

        private TimeSpan Timeout => request.Timeout ?? _config.Timeout;

        private Func<string, string?> Environment => doctor._state.Tokens.GetEnvironmentVariable;

        public async Task GatewayAsync()
        {
            // Credentials: where from, and that they load (fields, certificate and key).
            var source = doctor._state.Tokens.LocateCredentials();
            var started = Stopwatch.GetTimestamp();
            if (source.Kind == CredentialSourceKind.None)
            {
                Add("Credentials", null, StageVerdict.Fail, started, "no credentials found: no explicit file, no service binding, no INTEGRATION_* variables",
                    error: new CredentialException("No credentials were found: no explicit file, no service binding of type integration-credentials, no INTEGRATION_* variables."));
                return;
            }

            CredentialsReport described;
            TokenProvider provider;
            try
            {
                provider = doctor._state.Tokens.GetTokenProvider();
                described = provider.Credentials.Describe();
            }
            catch (CredentialException e)
            {
                Add("Credentials", source.Location, StageVerdict.Fail, started, $"{source.Kind} {source.Location}: {e.Message}", e);
                return;
            }

            var credentials = provider.Credentials;
            Add("Credentials", source.Location, StageVerdict.Pass, started, Invariant(
                $"{source.Kind} {source.Location}: client '{credentials.ClientId}', {credentials.Mode} mode, {credentials.Dependencies.Count} dependencies"));

            CertificateStage(credentials, described);
            var roots = TrustedRoots();

            // The token service.
            var tokenUrl = credentials.TokenServiceUrl;
            var tokenOk = await ReachAsync("Token service", tokenUrl).ConfigureAwait(false);
            if (tokenOk)
            {
                var server = await TlsProbeAsync("Token service TLS", tokenUrl, roots, null, null, TokenTlsFailure(tokenUrl, TlsFailureCause.ServerCertificateNotTrusted)).ConfigureAwait(false);
                tokenOk = server;
            }
            else
            {
                Skip("Token service TLS", tokenUrl.Authority);
            }

            if (credentials.Mode == CredentialMode.Standard)
            {
                tokenOk = tokenOk
                    ? await TlsProbeAsync("Token service mTLS", tokenUrl, roots, credentials.ClientCertificate, credentials.ClientCertificateChain, TokenTlsFailure(tokenUrl, TlsFailureCause.ClientCertificateRefused)).ConfigureAwait(false)
                    : Skip("Token service mTLS", tokenUrl.Authority);
            }
            else
            {
                Add("Token service mTLS", tokenUrl.Authority, StageVerdict.Skip, Stopwatch.GetTimestamp(), "transparent mode: no client certificate is presented");
            }

            var systemToken = tokenOk && await TokenStageAsync("System token", credentials, roots, null).ConfigureAwait(false);
            if (!tokenOk)
            {
                Skip("System token", tokenUrl.Authority);
            }

            if (request.UserJwt is { } userJwt)
            {
                if (tokenOk)
                {
                    await TokenStageAsync("User token", credentials, roots, userJwt).ConfigureAwait(false);
                }
                else
                {
                    Skip("User token", tokenUrl.Authority);
                }
            }
            else
            {
                Add("User token", tokenUrl.Authority, StageVerdict.Skip, Stopwatch.GetTimestamp(), "no user token given: the exchange was not tried");
            }

            // The gateway and each dependency.
            var gatewayUrl = credentials.GatewayUrl;
            var gatewayOk = await ReachAsync("Gateway", gatewayUrl).ConfigureAwait(false) &&
                            await TlsProbeAsync("Gateway TLS", gatewayUrl, roots, null, null, McpGatewayException.Tls(
                                $"The TLS connection to the gateway at '{gatewayUrl.GetLeftPart(UriPartial.Authority)}' failed.", TlsFailureCause.ServerCertificateNotTrusted, gatewayUrl)).ConfigureAwait(false);
            IReadOnlyList<McpTarget> targets;
            try
            {
                var wanted = request.OrdIds is { Count: > 0 } ordIds ? ordIds : null;
                if (wanted is not null)
                {
                    doctor._state.Tokens.ThrowIfNoDependency(wanted);
                }

                targets = doctor._state.Tokens.DependencyTargets(d => wanted is null || wanted.Contains(d.OrdId, StringComparer.OrdinalIgnoreCase));
            }
            catch (McpGatewayException e)
            {
                Add("Dependency", string.Join(", ", request.OrdIds ?? []), StageVerdict.Fail, Stopwatch.GetTimestamp(), e.Message, e);
                return;
            }

            foreach (var target in targets)
            {
                var ordId = target.Dependency?.OrdId ?? target.Url.AbsoluteUri;
                if (!gatewayOk || !systemToken)
                {
                    Skip("Dependency", ordId);
                    continue;
                }

                await ListingStageAsync("Dependency", ordId, target, doctor._state.Tokens.AuthFor(target.Url, request.UserJwt, null)).ConfigureAwait(false);
            }
        }

        public async Task EndpointAsync(Uri uri)
        {
            if (McpLocalServer.IsLocal(uri))
            {
                // A local server: no network to reach and no token; its start is part of the listing stage.
                await ListingStageAsync("MCP", LocalName(uri), new McpTarget(uri), McpAuth.None).ConfigureAwait(false);
                return;
            }

            var ok = await ReachAsync("Endpoint", uri).ConfigureAwait(false);
            if (ok && uri.Scheme == Uri.UriSchemeHttps)
            {
                // The endpoint's own client certificate (Set-AgwClientCertificate), as its calls present it.
                var certificate = doctor._state.Connections.ClientCertificates.Current.Match(uri);
                ok = await TlsProbeAsync("Endpoint TLS", uri, TrustedRoots(), certificate?.Certificate, certificate?.Chain, McpGatewayException.Tls(
                    $"The TLS connection to '{uri.GetLeftPart(UriPartial.Authority)}' failed.", TlsFailureCause.ServerCertificateNotTrusted, uri)).ConfigureAwait(false);
            }

            if (!ok)
            {
                Skip("MCP", uri.AbsoluteUri);
                return;
            }

            McpAuth auth;
            var started = Stopwatch.GetTimestamp();
            try
            {
                auth = doctor._state.Tokens.AuthFor(uri, request.UserJwt, request.AccessToken);
            }
            catch (Exception e) when (e is CredentialException or UserTokenException)
            {
                Add("MCP", uri.AbsoluteUri, StageVerdict.Fail, started, e.Message, e);
                return;
            }

            await ListingStageAsync("MCP", uri.AbsoluteUri, new McpTarget(uri), auth).ConfigureAwait(false);
        }

        /// <summary>A local server as a row names it: its command line (never its environment).</summary>
        private string LocalName(Uri uri) =>
            doctor._state.Connections.LocalServers.Find(uri) is { } server ? string.Join(' ', [server.Command, .. server.Arguments]) : uri.AbsoluteUri;

        /// <summary>The proxy (when the route has one: TCP to it), else DNS and TCP to the host. False when it cannot be reached.</summary>
        private async Task<bool> ReachAsync(string what, Uri url)
        {
            var route = _config.ProxySettings.RouteFor(url, Environment);
            if (route.Proxy is { } proxy)
            {
                Add($"{what} DNS", url.Host, StageVerdict.Skip, Stopwatch.GetTimestamp(), "resolved by the proxy");
                var viaProxy = await TcpStageAsync("Proxy", proxy, $"{route} for {url.GetLeftPart(UriPartial.Authority)}").ConfigureAwait(false);
                if (!viaProxy)
                {
                    Skip($"{what} TCP", url.Authority);
                }
                else
                {
                    Add($"{what} TCP", url.Authority, StageVerdict.Skip, Stopwatch.GetTimestamp(), "through the proxy's tunnel (the TLS stage goes through it)");
                }

                return viaProxy;
            }

            var started = Stopwatch.GetTimestamp();
            IPAddress[] addresses;
            try
            {
                using var cts = Budget();
                addresses = IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Add($"{what} DNS", url.Host, StageVerdict.Fail, started, $"the host name '{url.Host}' does not resolve: {e.Message}",
                    McpGatewayException.Connection($"Cannot reach '{url.GetLeftPart(UriPartial.Authority)}': the host name '{url.Host}' does not resolve.", url, e));
                return false;
            }

            Add($"{what} DNS", url.Host, StageVerdict.Pass, started, Invariant($"{string.Join(", ", addresses.Take(3).Select(a => a.ToString()))}{(addresses.Length > 3 ? $" and {addresses.Length - 3} more" : string.Empty)}; route: {route}"));
            return await TcpStageAsync($"{what} TCP", url, null).ConfigureAwait(false);
        }

        private async Task<bool> TcpStageAsync(string stage, Uri url, string? detail)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var cts = Budget();
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(url.IdnHost.Trim('[', ']'), url.Port, cts.Token).ConfigureAwait(false);
                Add(stage, url.Authority, StageVerdict.Pass, started, detail ?? Invariant($"connected to {socket.RemoteEndPoint}"));
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = e is OperationCanceledException ? "no answer in time" : e.Message;
                Add(stage, url.Authority, StageVerdict.Fail, started, $"cannot connect to {url.Authority}: {why}",
                    stage == "Proxy"
                        ? new HttpProxyException($"Cannot reach the proxy '{ProxySettings.Describe(url)}': {why}.", url, null, null, false, e)
                        : McpGatewayException.Connection($"Cannot reach '{url.GetLeftPart(UriPartial.Authority)}': {why}.", url, e));
                return false;
            }
        }

        /// <summary>
        /// A TLS connection (through the proxy, if any) with one HTTP request: the server certificate is checked and
        /// described; with <paramref name="clientCertificate"/>, any HTTP answer shows that the server accepted it.
        /// </summary>
        private async Task<bool> TlsProbeAsync(string stage, Uri url, X509Certificate2Collection? roots, X509Certificate2? clientCertificate, X509Certificate2Collection? chain, Exception refusal)
        {
            var started = Stopwatch.GetTimestamp();
            var failures = new TlsFailureLog();
            string? server = null;
            var stack = TlsTrust.CreateStack(_config.ProxySettings, Environment, roots, clientCertificate, chain, failures, sockets =>
            {
                var check = sockets.SslOptions.RemoteCertificateValidationCallback;
                sockets.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, presented, errors) =>
                {
                    var trusted = check?.Invoke(sender, certificate, presented, errors) ?? errors == System.Net.Security.SslPolicyErrors.None;
                    if (certificate is X509Certificate2 c)
                    {
                        var left = (int)Math.Floor((c.NotAfter.ToUniversalTime() - doctor._time.GetUtcNow().UtcDateTime).TotalDays);
                        var how = !trusted ? "not trusted" : errors == System.Net.Security.SslPolicyErrors.None ? "trusted by the system store" : "trusted through the trusted CA file";
                        server = Invariant($"server certificate {c.Subject}, valid until {c.NotAfter.ToUniversalTime():yyyy-MM-dd} ({left} days left), {how}");
                    }

                    return trusted;
                };
            });
            using var client = new HttpClient(stack, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            try
            {
                using var cts = Budget();
                using var probe = new HttpRequestMessage(HttpMethod.Get, url);
                probe.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await client.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
                var answered = Invariant($"HTTP {(int)response.StatusCode} to a probe");
                Add(stage, url.Authority, StageVerdict.Pass, started, clientCertificate is null
                    ? $"{server ?? "no certificate (plain http)"}; {answered}"
                    : Invariant($"the client certificate {clientCertificate.Subject} was accepted; {answered}"));
                return true;
            }
            catch (HttpProxyException e)
            {
                Add(stage, url.Authority, StageVerdict.Fail, started, e.Message, e);
                return false;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = failures.TryTake(url.Host, out var problem) ? problem
                    : e is OperationCanceledException ? "no answer in time"
                    : Innermost(e);
                var trustedServer = server is not null && problem is null;
                if (clientCertificate is null && trustedServer && e is not OperationCanceledException)
                {
                    // The server's certificate was checked and trusted; a server that requires a client certificate then ends a connection without one.
                    Add(stage, url.Authority, StageVerdict.Pass, started, $"{server}; the connection then ended without a client certificate ({why}): the server may require one");
                    return true;
                }

                var error = clientCertificate is not null && trustedServer ? refusal
                    : problem is not null ? refusal is TokenRequestException ? TokenTlsFailure(url, TlsFailureCause.ServerCertificateNotTrusted) : refusal
                    : e;
                Add(stage, url.Authority, StageVerdict.Fail, started, clientCertificate is not null && trustedServer
                    ? $"the server ended the handshake with the client certificate {clientCertificate.Subject}: {why}"
                    : $"{(server is null ? string.Empty : server + "; ")}{why}", error);
                return false;
            }
        }

        private async Task<bool> TokenStageAsync(string stage, AgentCredentials credentials, X509Certificate2Collection? roots, string? userJwt)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (userJwt is not null)
                {
                    JwtReader.ThrowIfNotJwt(userJwt.Trim());
                }

                // Fetched anew, outside the runspace's cache: this stage proves the token service, not the cache.
                using var client = new TokenClient(credentials, roots, Timeout, doctor._time, null, _config.ProxySettings, Environment);
                var response = userJwt is null
                    ? await client.RequestSystemTokenAsync(cancellationToken).ConfigureAwait(false)
                    : await client.RequestUserTokenAsync(userJwt.Trim(), cancellationToken).ConfigureAwait(false);
                var expiry = TokenExpiry.Compute(response, doctor._time.GetUtcNow(), _config.TokenExpiryBuffer, _config.FallbackTokenTtl);
                var verdict = expiry.ServableLifetime > TimeSpan.Zero ? StageVerdict.Pass : StageVerdict.Fail;
                Add(stage, credentials.TokenServiceUrl.Authority, verdict, started, Invariant(
                    $"issued for client '{credentials.ClientId}', valid until {expiry.ReportedExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC ({expiry.ReportedLifetime.TotalMinutes:0} min, from {expiry.Source}){(response.Attempts > 1 ? $", after {response.Attempts} attempts" : string.Empty)}{(verdict == StageVerdict.Fail ? ": already inside the expiry buffer, so it would never be sent" : string.Empty)}"));
                return verdict == StageVerdict.Pass;
            }
            catch (Exception e) when (e is TokenRequestException or UserTokenException)
            {
                Add(stage, credentials.TokenServiceUrl.Authority, StageVerdict.Fail, started, e.Message, e);
                return false;
            }
        }

        private async Task ListingStageAsync(string stage, string target, McpTarget endpoint, McpAuth auth)
        {
            var started = Stopwatch.GetTimestamp();
            var listings = await doctor._state.Tools.ListToolsAsync([endpoint], auth, Timeout, cancellationToken).ConfigureAwait(false);
            var listing = listings[0];
            var revision = doctor._state.Connections.ProtocolVersionOf(endpoint.Url);
            if (listing.Error is { } error)
            {
                // No token given: a server that wants one (a 401, or a sign-in no one is there to complete) needs authorization.
                var signInNeeded = error.InnerException is OAuthException { Kind: OAuthErrorKind.SignInRequired or OAuthErrorKind.NoClient };
                if ((error.Kind == McpErrorKind.Authentication && auth.ModeFor(endpoint.Url) is McpAuthMode.None or McpAuthMode.SignIn) || signInNeeded)
                {
                    Add(stage, target, StageVerdict.Warn, started, Invariant($"the server needs authorization (HTTP {error.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "401"}) and no token was given for it: negotiation and listing were not checked"), error, StageAdvice.AuthorizationNeeded);
                    return;
                }

                Add(stage, target, StageVerdict.Fail, started, error.Message, error);
                return;
            }

            var tools = listing.Tools!;
            var unusable = tools.Count(t => t.Problem is not null);
            var server = tools.FirstOrDefault()?.ServerName;
            Add(stage, target, StageVerdict.Pass, started, Invariant(
                $"{(server is null ? string.Empty : $"server '{Diagnostics.ServerText.ForTerminal(server, 100)}', ")}revision {revision ?? "unknown"}, {tools.Count} tools{(unusable > 0 ? $" ({unusable} unusable)" : string.Empty)}, authorization: {Describe(auth.ModeFor(endpoint.Url))}"));
        }

        private static string Describe(McpAuthMode? mode) => mode switch
        {
            McpAuthMode.None => "none needed",
            McpAuthMode.FixedToken => "the given token was accepted",
            McpAuthMode.SignIn => "a token of its own authorization server was accepted",
            _ => "the gateway's token was accepted",
        };

        private void CertificateStage(AgentCredentials credentials, CredentialsReport described)
        {
            var started = Stopwatch.GetTimestamp();
            if (credentials.ClientCertificate is not { } certificate)
            {
                Add("Client certificate", null, StageVerdict.Skip, started, "transparent mode: no client certificate");
                return;
            }

            var now = doctor._time.GetUtcNow();
            var left = (int)Math.Floor((described.CertificateNotAfter!.Value - now).TotalDays);
            var detail = Invariant($"{certificate.Subject}, valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} ({left} days left), the private key matches");
            var verdict = left < 0 ? StageVerdict.Fail : left < ClientConfigReport.CertificateWarningDays ? StageVerdict.Warn : StageVerdict.Pass;
            Add("Client certificate", described.CertificateThumbprint?[..8], verdict, started, detail, advice: verdict == StageVerdict.Pass ? StageAdvice.None : StageAdvice.CertificateExpiring);
        }

        private X509Certificate2Collection? TrustedRoots() => _config.TrustedCaPath is { } path ? TrustedCaFile.Load(path) : null;

        private static TokenRequestException TokenTlsFailure(Uri url, TlsFailureCause cause) =>
            new($"The TLS connection to the token service at {url} failed.", TokenKind.System, url, null, null, null, 1) { TlsCause = cause };

        private CancellationTokenSource Budget()
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Timeout);
            return cts;
        }

        private bool Skip(string stage, string? target)
        {
            Add(stage, target, StageVerdict.Skip, Stopwatch.GetTimestamp(), "not run: a stage it needs failed", advice: StageAdvice.FixEarlierStage);
            return false;
        }

        private void Add(string stage, string? target, StageVerdict verdict, long started, string detail, Exception? error = null, StageAdvice advice = StageAdvice.None)
        {
            var row = new ConnectionStage
            {
                Stage = stage,
                Target = target,
                Verdict = verdict,
                Duration = verdict == StageVerdict.Skip ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started),
                Detail = detail,
                Error = error,
                Advice = advice,
            };
            Stages.Add(row);
            report?.Invoke(row);
        }

        private static string Innermost(Exception e)
        {
            while (e.InnerException is not null)
            {
                e = e.InnerException;
            }

            return e.Message.TrimEnd('.');
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
