using System.Collections.Concurrent;
using System.Globalization;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The tokens a runspace has from MCP servers' own authorization servers (the MCP authorization spec), and how they
/// are had: discovery, the client identity, sign-in (authorization code with PKCE S256) and refresh. Every token is
/// in one LRU cache keyed by issuer, resource, client and scopes (bounded by <see cref="ClientConfig.MaxUserTokenCacheSize"/>,
/// the bound of the runspace's tokens for people); each endpoint remembers the key of its last token. Concurrent callers
/// of one endpoint share one sign-in or refresh (<see cref="SingleFlight{TKey, TValue}"/>). Tokens live in memory only.
/// </summary>
internal sealed partial class OAuthTokens : IDisposable
{
    private const double RefreshAheadFraction = 0.9;

    private readonly Lock _gate = new();
    private readonly Func<ClientConfig> _config;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, OAuthClientSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bindings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OAuthClient> _registered = new(StringComparer.Ordinal);
    private readonly LruCache<Entry> _cache;
    private readonly SingleFlight<string, AccessToken> _flights = new(StringComparer.Ordinal);
    private HttpClient? _http;
    private string? _httpTrust;
    private int _disposed;

    public OAuthTokens(Func<ClientConfig> config, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _time = timeProvider ?? TimeProvider.System;
        _cache = new LruCache<Entry>(config().MaxUserTokenCacheSize, IsExpired);
    }

    /// <summary>Sign-ins and refreshes running now (for tests).</summary>
    internal int InflightCount => _flights.Count;

    /// <summary>Sets how the module is known to one authorization server (replacing what was set for it).</summary>
    public void SetClient(OAuthClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        OAuthDiscovery.RequireSafe(settings.Issuer, settings.Issuer, "the authorization server");
        if (settings.ClientMetadataUrl is { } url && (url.Scheme != Uri.UriSchemeHttps || url.AbsolutePath.Length <= 1))
        {
            throw new ArgumentException("A client ID metadata document URL must be https with a path.", nameof(settings));
        }

        if (settings.IdentityProvider is { } identityProvider)
        {
            OAuthDiscovery.RequireSafe(identityProvider, identityProvider, "the identity provider");
        }

        ClientCredentialsGrant.Validate(settings);

        _settings[OAuthClientSettings.KeyOf(settings.Issuer)] = settings;
    }

    /// <summary>Forgets the settings of one authorization server; true when there were some.</summary>
    public bool RemoveClient(Uri issuer) => _settings.TryRemove(OAuthClientSettings.KeyOf(issuer), out _);

    /// <summary>The settings of every authorization server, for display (<see cref="OAuthClientSettings.ToString"/> shows no secret).</summary>
    public IReadOnlyList<OAuthClientSettings> Clients => [.. _settings.Values.OrderBy(s => s.Issuer.OriginalString, StringComparer.Ordinal)];

    /// <summary>The cached token for <paramref name="endpoint"/>, if one is servable; never fetches.</summary>
    public AccessToken? TokenFor(Uri endpoint, EnterpriseUser? user = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var endpointKey = BindingKey(endpoint, user);
        Entry? refreshDue = null;
        AccessToken? token = null;
        lock (_gate)
        {
            if (TryGetBound(endpoint, user, out var entry) && Remaining(entry) > TimeSpan.Zero)
            {
                token = entry.Token;
                if ((entry.RefreshToken is not null || entry.Token.Kind == TokenKind.ClientCredentials) && IsRefreshDue(entry) && !_flights.IsRunning(endpointKey))
                {
                    refreshDue = entry;
                }
            }
        }

        if (refreshDue is not null)
        {
            // Ahead of expiry: the cached token is served, one refresh runs in the background.
            CallLog.Verbose($"Token {refreshDue.Token.Fingerprint} for {OAuthDiscovery.Where(endpoint)} is in its refresh window: refreshing in the background.");
            _ = StartRefresh(endpointKey, refreshDue);
        }

        return token;
    }

    /// <summary>
    /// After a 401 to <paramref name="endpoint"/>: drops <paramref name="rejected"/> if it is still cached, then returns
    /// a token to resend with: one another caller had meanwhile, or one refreshed with the refresh token; null when
    /// only a sign-in can help.
    /// </summary>
    public async Task<AccessToken?> RenewAsync(Uri endpoint, AccessToken? rejected, EnterpriseUser? user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var endpointKey = BindingKey(endpoint, user);
        Entry? dropped = null;
        Task<AccessToken>? running;
        lock (_gate)
        {
            if (TryGetBound(endpoint, user, out var entry))
            {
                if (rejected is not null && string.Equals(entry.Token.Value, rejected.Value, StringComparison.Ordinal))
                {
                    _cache.Remove(entry.Key);
                    dropped = entry;
                }
                else if (Remaining(entry) > TimeSpan.Zero)
                {
                    return entry.Token;
                }
            }

            _flights.TryGetRun(endpointKey, out running);
        }

        if (running is not null)
        {
            // A sign-in or refresh of this endpoint is under way: its token is the one to resend with.
            return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (dropped is null)
        {
            return null;
        }

        CallLog.Verbose($"Token {dropped.Token.Fingerprint} for {OAuthDiscovery.Where(endpoint)} was rejected (HTTP 401): dropped from the cache.");
        if (dropped.Token.Kind == TokenKind.ClientCredentials && SettingsFor(dropped.Info.Server.Issuer) is { IsClientCredentials: true })
        {
            // No person to ask: the grant runs again (once, shared by concurrent callers); its failure is the call's error.
            return await StartRefresh(endpointKey, dropped).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (dropped.RefreshToken is null)
        {
            return null;
        }

        try
        {
            return await StartRefresh(endpointKey, dropped).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthException e)
        {
            CallLog.Verbose($"Refreshing the token for {OAuthDiscovery.Where(endpoint)} failed ({e.Message}); a sign-in is needed.");
            return null;
        }
    }

    /// <summary>
    /// Signs in for <paramref name="endpoint"/> after its <paramref name="challenge"/>: discovery, the client identity,
    /// the authorization request completed by <paramref name="interaction"/> within the sign-in bound, the code
    /// exchanged with its PKCE verifier, the token cached. Concurrent callers share one sign-in; a token another caller
    /// got meanwhile is returned at once (unless the challenge asks for a wider scope).
    /// </summary>
    public async Task<AccessToken> SignInAsync(Uri endpoint, OAuthChallenge challenge, AccessToken? rejected, IAuthorizationInteraction? interaction, EnterpriseUser? user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(challenge);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var endpointKey = BindingKey(endpoint, user);
        Task<AccessToken> flight;
        lock (_gate)
        {
            if (!challenge.IsInsufficientScope && TryGetBound(endpoint, user, out var entry) &&
                Remaining(entry) > TimeSpan.Zero && !string.Equals(entry.Token.Value, rejected?.Value, StringComparison.Ordinal))
            {
                return entry.Token;
            }

            if (!_flights.TryGetRun(endpointKey, out flight!))
            {
                if (interaction is not { CanSignIn: true } && !HasEnterpriseManagedClients && !HasClientCredentialsClients)
                {
                    throw new OAuthException(
                        OAuthErrorKind.SignInRequired,
                        $"The MCP server at '{OAuthDiscovery.Where(endpoint)}' requires a sign-in (HTTP {challenge.Status}), and {interaction?.WhyNot ?? "no way to sign in was given"}.",
                        endpoint);
                }

                var log = CallLog.Current;
                flight = _flights.Run(endpointKey, (_, ct) => SignInCoreAsync(endpoint, endpointKey, challenge, interaction, user, log, ct), null, out _);
            }
            else
            {
                CallLog.Verbose($"A sign-in for {OAuthDiscovery.Where(endpoint)} is under way: waiting for it.");
            }
        }

        return await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cached tokens, most recently used first, without any secret.</summary>
    public IReadOnlyList<TokenCacheEntry> GetEntries()
    {
        var now = _time.GetUtcNow();
        List<(string Key, Entry Value)> snapshot;
        lock (_gate)
        {
            snapshot = _cache.Snapshot();
        }

        return [.. snapshot.Select(item =>
        {
            var e = item.Value;
            var remaining = Remaining(e);
            if (remaining < TimeSpan.Zero)
            {
                remaining = TimeSpan.Zero;
            }

            return new TokenCacheEntry(e.Token.Kind, e.Token.Fingerprint, (now + remaining).ToUniversalTime(), remaining, remaining > TimeSpan.Zero && IsRefreshDue(e))
            {
                Subject = e.Claims?.Subject,
                Issuer = e.Info.Server.IssuerText,
                Audience = e.Claims?.Audience,
                Scopes = e.Scope ?? e.Claims?.Scopes,
                IssuedAt = e.Claims?.IssuedAt,
                ExpiresOn = e.Claims?.ExpiresOn,
                Resource = e.Info.Resource ?? e.Info.Endpoint.GetLeftPart(UriPartial.Path),
                ClientId = e.Client.ClientId,
                Endpoint = e.Info.Endpoint,
            };
        })];
    }

    /// <summary>Drops every token, or those of the endpoints whose URL <paramref name="endpoint"/> is (path compared); returns how many.</summary>
    public int Clear(Uri? endpoint = null)
    {
        int count;
        lock (_gate)
        {
            if (endpoint is null)
            {
                count = _cache.Clear();
                _bindings.Clear();
            }
            else
            {
                var endpointKey = EndpointKey(endpoint);
                count = 0;
                foreach (var bound in _bindings.Keys.Where(k => k == endpointKey || k.StartsWith(endpointKey + UserSeparator, StringComparison.Ordinal)).ToList())
                {
                    if (_bindings.Remove(bound, out var key) && _cache.Remove(key))
                    {
                        count++;
                    }
                }
            }
        }

        CallLog.Verbose($"Signed-in token cache cleared: {count} token(s) dropped.");
        return count;
    }

    /// <summary>Takes a new bound (a smaller one trims at once) and the trust of the next requests.</summary>
    public void ApplyConfig(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_gate)
        {
            _cache.Resize(config.MaxUserTokenCacheSize);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _flights.Dispose();
        lock (_gate)
        {
            _cache.Clear();
            _bindings.Clear();
        }

        _http?.Dispose();
    }

    internal static string EndpointKey(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');

    private async Task<AccessToken> SignInCoreAsync(Uri endpoint, string endpointKey, OAuthChallenge challenge, IAuthorizationInteraction? interaction, EnterpriseUser? user, ICallLogSink? log, CancellationToken cancellationToken)
    {
        using var logScope = CallLog.Use(log);
        var http = Http();
        var info = await OAuthDiscovery.DiscoverAsync(http, endpoint, challenge, cancellationToken, issuer => SettingsFor(issuer) is not { IsClientCredentials: true }).ConfigureAwait(false);
        var server = info.Server;
        var settings = SettingsFor(server.Issuer);
        if (settings is { IsEnterpriseManaged: true })
        {
            return await EnterpriseCoreAsync(http, endpoint, endpointKey, challenge, info, settings, interaction, user, cancellationToken).ConfigureAwait(false);
        }

        if (settings is { IsClientCredentials: true })
        {
            return await ClientCredentialsCoreAsync(http, endpointKey, challenge, info, settings, cancellationToken).ConfigureAwait(false);
        }

        if (interaction is not { CanSignIn: true })
        {
            throw new OAuthException(
                OAuthErrorKind.SignInRequired,
                $"The MCP server at '{OAuthDiscovery.Where(endpoint)}' requires a sign-in (HTTP {challenge.Status}), and {interaction?.WhyNot ?? "no way to sign in was given"}.",
                endpoint);
        }

        var redirectUri = settings?.RedirectUri ?? new Uri("http://127.0.0.1/callback");
        var client = await ClientForAsync(http, info, settings, redirectUri, endpoint, cancellationToken).ConfigureAwait(false);
        var scope = ScopeFor(challenge, info, settings);

        var verifier = OAuthFlow.RandomValue();
        var state = OAuthFlow.RandomValue();
        using var listener = interaction.UsesLoopbackListener && LoopbackRedirectListener.CanListenOn(redirectUri) ? Listen(redirectUri, state, server, endpoint) : null;
        redirectUri = listener?.RedirectUri ?? redirectUri;
        var url = OAuthFlow.AuthorizationUrl(server, client.ClientId, redirectUri, OAuthFlow.ChallengeOf(verifier), state, info.Resource, scope);
        var bound = settings?.SignInTimeout ?? OAuthClientSettings.DefaultSignInTimeout;
        CallLog.Verbose($"Signing in at {server.IssuerText} for {OAuthDiscovery.Where(endpoint)} as {client} with scope '{scope ?? string.Empty}' (PKCE S256; at most {bound.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s).");

        Uri? redirected;
        using (var timeout = new CancellationTokenSource(bound, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                redirected = await interaction.AuthorizeAsync(new OAuthSignInRequest(url, redirectUri, server.Issuer, endpoint) { Listener = listener }, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OAuthException))
            {
                throw new OAuthException(
                    OAuthErrorKind.Refused,
                    $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' failed: {e.Message}",
                    endpoint,
                    e)
                { Issuer = server.Issuer };
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new OAuthException(
                    OAuthErrorKind.TimedOut,
                    $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' did not finish within {bound.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s.",
                    endpoint,
                    e)
                { Issuer = server.Issuer };
            }
        }

        if (redirected is null)
        {
            throw new OAuthException(OAuthErrorKind.Refused, $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' was declined.", endpoint) { Issuer = server.Issuer };
        }

        var code = OAuthFlow.CodeFrom(redirected, redirectUri, state, server, endpoint);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri.OriginalString,
            ["code_verifier"] = verifier,
        };
        if (info.Resource is not null)
        {
            form["resource"] = info.Resource;
        }

        var answer = await OAuthFlow.RequestTokenAsync(http, server, client, form, endpoint, "code exchange", cancellationToken).ConfigureAwait(false);
        return Store(endpointKey, info, client, answer.Scope ?? scope, answer, null);
    }

    /// <summary>The loopback listener of a browser sign-in (on the redirect URI's port, else a free one).</summary>
    private static LoopbackRedirectListener Listen(Uri redirectUri, string state, AuthorizationServerMetadata server, Uri endpoint)
    {
        try
        {
            return LoopbackRedirectListener.Start(redirectUri, state);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new OAuthException(
                OAuthErrorKind.Refused,
                $"The sign-in at '{server.IssuerText}' for the MCP server at '{OAuthDiscovery.Where(endpoint)}' could not listen on the redirect URI '{redirectUri.GetLeftPart(UriPartial.Path)}': {e.Message}",
                endpoint,
                e)
            { Issuer = server.Issuer };
        }
    }

    private Task<AccessToken> StartRefresh(string endpointKey, Entry entry) =>
        _flights.Run(endpointKey, (_, ct) => RefreshCoreAsync(endpointKey, entry, ct), null, out _);

    private async Task<AccessToken> RefreshCoreAsync(string endpointKey, Entry entry, CancellationToken cancellationToken)
    {
        if (entry.Token.Kind == TokenKind.ClientCredentials)
        {
            return await RegrantAsync(endpointKey, entry, cancellationToken).ConfigureAwait(false);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = entry.RefreshToken!,
        };
        if (entry.Info.Resource is not null)
        {
            form["resource"] = entry.Info.Resource;
        }

        if (entry.Scope is not null)
        {
            form["scope"] = entry.Scope;
        }

        var answer = await OAuthFlow.RequestTokenAsync(Http(), entry.Info.Server, entry.Client, form, entry.Info.Endpoint, "refresh", cancellationToken).ConfigureAwait(false);

        // A server that does not rotate refresh tokens answers without one: the old one stays good.
        return Store(endpointKey, entry.Info, entry.Client, answer.Scope ?? entry.Scope, answer, entry.RefreshToken, entry.Token.Kind, entry.User);
    }

    private AccessToken Store(
        string endpointKey, OAuthServerInfo info, OAuthClient client, string? scope, OAuthTokenAnswer answer, string? previousRefreshToken, TokenKind kind = TokenKind.AuthorizationCode, string? user = null)
    {
        var config = _config();
        var now = _time.GetUtcNow();
        var expiry = TokenExpiry.Compute(answer.Response, now, config.TokenExpiryBuffer, config.FallbackTokenTtl);
        if (expiry.ServableLifetime <= TimeSpan.Zero)
        {
            throw new OAuthException(
                OAuthErrorKind.Refused,
                $"The authorization server '{info.Server.IssuerText}' issued a token that expires at {expiry.ReportedExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, already past or inside the expiry buffer; it was not sent.",
                info.Endpoint)
            { Issuer = info.Server.Issuer };
        }

        var token = new AccessToken(answer.Response.AccessToken, kind, now + expiry.ServableLifetime);
        var key = string.Join('|', kind, info.Server.IssuerText, info.Resource ?? info.Endpoint.GetLeftPart(UriPartial.Path), client.ClientId, scope ?? string.Empty, user ?? string.Empty);
        var entry = new Entry(token, answer.RefreshToken ?? previousRefreshToken, _time.GetTimestamp(), expiry.ReportedLifetime, expiry.BufferApplies, info, client, scope, JwtReader.TryReadClaims(token.Value), key, user);
        lock (_gate)
        {
            // A person's token (no user fingerprint) serves every caller of the endpoint; a user's token, the binding asked for.
            _cache.Set(key, entry);
            _bindings[user is null ? EndpointKey(info.Endpoint) : endpointKey] = key;
        }

        CallLog.Verbose($"Token {token.Fingerprint} from {info.Server.IssuerText} cached for {OAuthDiscovery.Where(info.Endpoint)} (expiry from {expiry.Source}, served for {expiry.ServableLifetime.TotalSeconds:0} s{(entry.RefreshToken is null ? string.Empty : ", refreshable")}).");
        return token;
    }

    private OAuthClientSettings? SettingsFor(Uri issuer) => _settings.GetValueOrDefault(OAuthClientSettings.KeyOf(issuer));

    /// <summary>
    /// The client identity for this server, first that applies: the configured client id (public, or with its secret),
    /// the configured client ID metadata document URL where the server takes them, the registration made earlier with
    /// this issuer, a dynamic registration (RFC 7591) where the server offers one.
    /// </summary>
    private async Task<OAuthClient> ClientForAsync(HttpClient http, OAuthServerInfo info, OAuthClientSettings? settings, Uri redirectUri, Uri endpoint, CancellationToken cancellationToken)
    {
        var server = info.Server;
        if (settings?.ClientId is not null)
        {
            return ClientCredentialsGrant.ClientOf(server, settings);
        }

        if (settings?.ClientMetadataUrl is { } document && server.ClientIdMetadataDocumentSupported)
        {
            return new OAuthClient(document.AbsoluteUri, null, "none", "client ID metadata document");
        }

        var issuerKey = OAuthClientSettings.KeyOf(server.Issuer);
        if (_registered.TryGetValue(issuerKey, out var registered))
        {
            return registered;
        }

        if (server.RegistrationEndpoint is { } registration)
        {
            var client = await OAuthFlow.RegisterAsync(http, server, registration, redirectUri, endpoint, cancellationToken).ConfigureAwait(false);
            _registered[issuerKey] = client;
            CallLog.Verbose($"Registered at {server.IssuerText} (RFC 7591): {client}.");
            return client;
        }

        throw new OAuthException(
            OAuthErrorKind.NoClient,
            $"No client identity for the authorization server '{server.IssuerText}' of the MCP server at '{OAuthDiscovery.Where(endpoint)}': none is configured for it{(server.ClientIdMetadataDocumentSupported ? string.Empty : ", it takes no client ID metadata documents")} and it offers no dynamic registration.",
            endpoint)
        { Issuer = server.Issuer };
    }

    /// <summary>A confidential client authenticates as the server lists (basic first, then post); a public one with none.</summary>
    internal static string AuthMethodFor(AuthorizationServerMetadata server, bool hasSecret)
    {
        if (!hasSecret)
        {
            return "none";
        }

        foreach (var method in new[] { "client_secret_basic", "client_secret_post" })
        {
            if (server.TokenEndpointAuthMethodsSupported.Contains(method, StringComparer.Ordinal))
            {
                return method;
            }
        }

        return "client_secret_basic";
    }

    /// <summary>Scopes: the challenge's, else the resource metadata's scopes_supported, else the configured ones, else none; offline_access only where the server lists it.</summary>
    internal static string? ScopeFor(OAuthChallenge challenge, OAuthServerInfo info, OAuthClientSettings? settings)
    {
        IEnumerable<string> scopes = challenge.Scope is { Length: > 0 } asked
            ? asked.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : info.ResourceScopes.Count > 0 ? info.ResourceScopes
            : settings?.Scopes ?? [];
        var list = scopes.Where(s => !string.Equals(s, "offline_access", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (info.Server.ScopesSupported.Contains("offline_access", StringComparer.Ordinal))
        {
            list.Add("offline_access");
        }

        return list.Count == 0 ? null : string.Join(' ', list);
    }

    private HttpClient Http()
    {
        var config = _config();
        lock (_gate)
        {
            if (_http is null || !string.Equals(_httpTrust, config.TrustedCaPath, StringComparison.Ordinal))
            {
                var roots = config.TrustedCaPath is null ? null : TrustedCaFile.Load(config.TrustedCaPath);
                _http?.Dispose();
                _http = new HttpClient(TlsTrust.CreateHandler(roots), disposeHandler: true) { Timeout = config.Timeout };
                _httpTrust = config.TrustedCaPath;
            }

            return _http;
        }
    }

    private TimeSpan Remaining(Entry entry) =>
        entry.ReportedLifetime - (entry.BufferApplies ? _config().TokenExpiryBuffer : TimeSpan.Zero) - _time.GetElapsedTime(entry.FetchedAt);

    private bool IsExpired(Entry entry) => Remaining(entry) <= TimeSpan.Zero;

    private bool IsRefreshDue(Entry entry)
    {
        var servable = entry.ReportedLifetime - (entry.BufferApplies ? _config().TokenExpiryBuffer : TimeSpan.Zero);
        return _time.GetElapsedTime(entry.FetchedAt) >= servable * RefreshAheadFraction;
    }

    private sealed record Entry(
        AccessToken Token, string? RefreshToken, long FetchedAt, TimeSpan ReportedLifetime, bool BufferApplies, OAuthServerInfo Info, OAuthClient Client, string? Scope, TokenClaims? Claims, string Key, string? User)
    {
        public override string ToString() => $"{Token} for {Info.Endpoint}";
    }
}
