using System.Diagnostics;
using System.Globalization;
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
internal sealed partial class ConnectionDoctor
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

    private sealed partial class Run(ConnectionDoctor doctor, ConnectionCheckRequest request, Action<ConnectionStage>? report, CancellationToken cancellationToken)
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

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
