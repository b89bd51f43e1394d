using System.Collections.Concurrent;
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

    private OAuthClientSettings? SettingsFor(Uri issuer) => _settings.GetValueOrDefault(OAuthClientSettings.KeyOf(issuer));

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
}
