using System.Globalization;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Tokens for one credential identity, cached. System tokens are keyed by the identity, user tokens
/// by the SHA-256 of the user's JWT with the identity; each kind has its own LRU bound.
/// <list type="bullet">
/// <item>Single flight: concurrent callers of one key share one fetch, which runs on its own (a cancelled
/// caller only stops waiting); a slow fetch never delays a hit on another key; failures are never cached.</item>
/// <item>The expiry buffer is a hard limit: a token is never handed out once inside it.</item>
/// <item>Refresh ahead: in the last tenth of a token's servable lifetime a call gets the cached token at
/// once and one background refresh starts; if it fails the old token is served until the buffer, and
/// the next call tries again.</item>
/// <item>The story of a fetch (each retried attempt and its cause) reaches the call log of every caller waiting
/// for it, the one that started it and those that joined: the fetch writes to a <see cref="SharedCallLog"/>.</item>
/// <item>A token that arrives already expired, or inside the buffer, is never handed out: the callers of
/// that fetch get a <see cref="TokenRequestException"/> (<see cref="TokenErrorKind.ExpiredOnArrival"/>)
/// that says what expiry came back and which buffer is in force; the next call asks again.</item>
/// </list>
/// The provider owns its credentials and its token client and disposes them.
/// </summary>
internal sealed partial class TokenProvider : IAccessTokenSource, IDisposable
{
    private const double RefreshAheadFraction = 0.9;
    private const int MaxRememberedInvalidations = 1024;

    private readonly Lock _gate = new();
    private readonly ITokenFetcher _fetcher;
    private readonly TimeProvider _time;
    private readonly string _systemKey;
    private readonly LruCache<CachedToken> _system;
    private readonly LruCache<CachedToken> _user;
    private readonly SingleFlight<string, Fetched> _fetches = new(StringComparer.Ordinal);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Task<Fetched>, SharedCallLog> _fetchLogs = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<Fetched>>.AlternateLookup<ReadOnlySpan<char>> _fetchesByChars;
    private readonly HashSet<string> _invalidated = new(StringComparer.Ordinal);
    private ClientConfig _config;
    private int _systemGeneration;
    private int _userGeneration;
    private long _hits;
    private long _misses;
    private long _tokenRequests;
    private long _renewals;
    private long _evictions;
    private long _invalidations;
    private long _sessionEnds;
    private int _disposed;

    /// <summary>A provider asking the token service of <paramref name="credentials"/>, trusting <see cref="ClientConfig.TrustedCaPath"/> besides the system store.</summary>
    /// <param name="credentials">Who asks; the provider takes ownership.</param>
    /// <param name="config">Bounds, buffer, fallback TTL, timeout, trusted CAs.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="options">Retry behaviour of the token client.</param>
    /// <param name="getEnvironmentVariable">Reads the environment's proxy variables; the process's when null.</param>
    public TokenProvider(AgentCredentials credentials, ClientConfig config, TimeProvider? timeProvider = null, TokenClientOptions? options = null, Func<string, string?>? getEnvironmentVariable = null)
        : this(credentials, config, CreateClient(credentials, config, timeProvider, options, getEnvironmentVariable), timeProvider)
    {
    }

    internal TokenProvider(AgentCredentials credentials, ClientConfig config, ITokenFetcher fetcher, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(fetcher);
        Credentials = credentials;
        _config = config;
        _fetcher = fetcher;
        _time = timeProvider ?? TimeProvider.System;
        _systemKey = TokenCacheKeys.SystemKey(credentials);
        _system = new LruCache<CachedToken>(config.MaxSystemTokenCacheSize, IsExpired);
        _user = new LruCache<CachedToken>(config.MaxUserTokenCacheSize, IsExpired);
        _fetchesByChars = _fetches.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public AgentCredentials Credentials { get; }

    public ClientConfig Config => Volatile.Read(ref _config);

    /// <summary>Fetches running now (for tests).</summary>
    internal int InflightCount => _fetches.Count;

    /// <summary>Whether a token request for the system token (or that user's token) is in flight now.</summary>
    public bool IsFetching(string? userJwt) => IsFetching(userJwt, null);

    /// <summary>The token service of the credentials.</summary>
    public Uri TokenServiceUrl => Credentials.TokenServiceUrl;

    /// <summary><see cref="IsFetching(string?)"/> with the <see cref="UserKeyOf"/> of <paramref name="userJwt"/> computed already.</summary>
    public bool IsFetching(string? userJwt, string? userKey) =>
        _fetches.IsRunning(userJwt is null ? _systemKey : userKey ?? TokenCacheKeys.UserKey(userJwt, _systemKey));

    /// <inheritdoc/>
    public string UserKeyOf(string userJwt) => TokenCacheKeys.UserKey(userJwt, _systemKey);

    /// <inheritdoc/>
    /// <remarks>
    /// Not an async method: a hit returns a completed <see cref="ValueTask{TResult}"/> with no state
    /// machine (none is boxed even in a Debug build); only a miss awaits, in <see cref="WaitForFetchAsync"/>.
    /// Refusals still come through the returned task, as they would from an async method.
    /// </remarks>
    public ValueTask<AccessToken> GetTokenAsync(string? userJwt, CancellationToken cancellationToken) =>
        GetTokenAsync(userJwt, null, cancellationToken);

    /// <inheritdoc cref="IAccessTokenSource.GetTokenAsync(string?, string?, CancellationToken)"/>
    /// <remarks>With <paramref name="userKey"/> (from <see cref="UserKeyOf"/>) the JWT is not hashed again.</remarks>
    public ValueTask<AccessToken> GetTokenAsync(string? userJwt, string? userKey, CancellationToken cancellationToken) =>
        GetTokenAsync(userJwt, userKey, sessionEnd: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Counted in <see cref="TokenCacheStatistics.SessionEnds"/>, not in the hits or misses.</remarks>
    public ValueTask<AccessToken> GetTokenToEndSessionAsync(string? userJwt, string? userKey, CancellationToken cancellationToken) =>
        GetTokenAsync(userJwt, userKey, sessionEnd: true, cancellationToken);

    private ValueTask<AccessToken> GetTokenAsync(string? userJwt, string? userKey, bool sessionEnd, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<AccessToken>(new ObjectDisposedException(GetType().FullName));
        }

        if (userJwt is { Length: 0 })
        {
            return ValueTask.FromException<AccessToken>(
                new ArgumentException("A user JWT must not be empty; pass null for the system token.", nameof(userJwt)));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AccessToken>(cancellationToken);
        }

        var lookup = userJwt is null ? LookUp(TokenKind.System, _systemKey, _systemKey, null, sessionEnd)
            : userKey is not null ? LookUp(TokenKind.User, userKey, userKey, userJwt, sessionEnd)
            : LookUpUser(userJwt, sessionEnd);
        return lookup.Hit is { } hit
            ? new ValueTask<AccessToken>(hit)
            : WaitForFetchAsync(userJwt is null ? TokenKind.System : TokenKind.User, lookup, cancellationToken);
    }

    /// <summary>A miss: waits for the fetch <see cref="LookUp"/> started or joined, and tells the call log.</summary>
    private async ValueTask<AccessToken> WaitForFetchAsync(TokenKind kind, Lookup lookup, CancellationToken cancellationToken)
    {
        var key = lookup.Key!;
        if (lookup.Joined)
        {
            CallLog.Verbose($"Token cache miss: {Describe(kind, key)}; joining the request already in flight.");
        }
        else
        {
            CallLog.Verbose($"Token cache miss: {Describe(kind, key)}; requesting one from {Credentials.TokenServiceUrl}.");
        }

        Fetched fetched;
        using (lookup.Log?.Attach(CallLog.Current))
        {
            fetched = await lookup.Pending!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (fetched.Token.ExpiresOn <= _time.GetUtcNow())
        {
            // Servable when fetched, inside the buffer by the time this waiter got it: never sent.
            throw ExpiredOnArrival(kind, fetched.Expiry);
        }

        CallLog.Verbose(
            CultureInfo.InvariantCulture,
            $"Token fetched: {Describe(kind, key)} {fetched.Token.Fingerprint}, expiry from {fetched.Expiry.Source}, served for {fetched.Expiry.ServableLifetime.TotalSeconds:0} s{(fetched.Cached ? string.Empty : " (not cached: the cache was cleared meanwhile)")}{(fetched.Attempts > 1 ? Invariant($"; it took {fetched.Attempts} attempts (retried after {string.Join(", ", fetched.RetryCauses)}).") : ".")}");
        return fetched.Token;
    }

    /// <summary>
    /// <see cref="LookUp"/> for a user token. The key is hashed into a stack buffer and probed as
    /// characters, so a hit allocates nothing; only a miss, which requests a token anyway, makes the
    /// key string.
    /// </summary>
    private Lookup LookUpUser(string userJwt, bool sessionEnd)
    {
        Span<char> key = stackalloc char[TokenCacheKeys.UserKeyLength];
        TokenCacheKeys.WriteUserKey(userJwt, _systemKey, key);
        return LookUp(TokenKind.User, key, null, userJwt, sessionEnd);
    }

    /// <summary>
    /// Under the lock: a live cached token (starting a background refresh if one is due), or else the
    /// fetch in flight for the key, joined or started. <paramref name="keyText"/> is the key as a string
    /// when the caller has one; otherwise it is made from <paramref name="key"/> only when a string is
    /// needed (a fetch to start or join, an expired entry to drop): never on a plain hit. A lookup to end an MCP
    /// session (<paramref name="sessionEnd"/>) counts in <see cref="TokenCacheStatistics.SessionEnds"/> instead.
    /// </summary>
    private Lookup LookUp(TokenKind kind, ReadOnlySpan<char> key, string? keyText, string? userJwt, bool sessionEnd)
    {
        var cache = CacheOf(kind);
        AccessToken? hit = null;
        TimeSpan remaining = default;
        var refreshStarted = false;
        var joined = false;
        Task<Fetched>? pending = null;
        SharedCallLog? log = null;
        lock (_gate)
        {
            if (cache.TryGet(key, out var entry))
            {
                remaining = Remaining(entry);
                if (remaining > TimeSpan.Zero)
                {
                    if (sessionEnd)
                    {
                        _sessionEnds++;
                    }
                    else
                    {
                        _hits++;
                    }

                    hit = entry.Token;
                    if (IsRefreshDue(entry) && !_fetchesByChars.ContainsKey(key))
                    {
                        StartFetchLocked(keyText ??= new string(key), userJwt, kind, renewal: true, out _, out _);
                        refreshStarted = true;
                    }
                }
                else if (RemoveExpired(cache, keyText ??= new string(key), entry))
                {
                    _evictions++;
                }
            }

            if (hit is null)
            {
                if (sessionEnd)
                {
                    _sessionEnds++;
                }
                else
                {
                    _misses++;
                }

                keyText ??= new string(key);
                pending = StartFetchLocked(keyText, userJwt, kind, renewal: _invalidated.Contains(keyText), out var started, out log);
                joined = !started;
            }
        }

        if (hit is null)
        {
            return new Lookup(null, keyText, pending, joined, log);
        }

        // The hit path allocates nothing unless someone listens (-Verbose): the line is formatted only then.
        CallLog.Verbose(
            CultureInfo.InvariantCulture,
            $"Token cache hit: {Describe(kind, key)} {hit.Fingerprint}, served for {remaining.TotalSeconds:0} s more.{(refreshStarted ? " It is in its refresh window: a background refresh started." : string.Empty)}");

        return new Lookup(hit, keyText, null, false, null);
    }

    /// <summary>Drops an expired entry if it is still the one found (a separate method, so the hit path makes no closure).</summary>
    private static bool RemoveExpired(LruCache<CachedToken> cache, string key, CachedToken entry) =>
        cache.RemoveIf(key, e => ReferenceEquals(e, entry));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _fetches.Dispose();
        lock (_gate)
        {
            _system.Clear();
            _user.Clear();
            _systemGeneration++;
            _userGeneration++;
        }

        _fetcher.Dispose();
        Credentials.Dispose();
    }

    private static TokenClient CreateClient(AgentCredentials credentials, ClientConfig config, TimeProvider? timeProvider, TokenClientOptions? options, Func<string, string?>? getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(config);
        var roots = config.TrustedCaPath is null ? null : TrustedCaFile.Load(config.TrustedCaPath);
        return new TokenClient(credentials, roots, config.Timeout, timeProvider, options, config.ProxySettings, getEnvironmentVariable);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Describe(TokenKind kind, ReadOnlySpan<char> key) =>
        kind == TokenKind.System ? "system token" : $"user token (user key {key[..8]})";

    private LruCache<CachedToken> CacheOf(TokenKind kind) => kind == TokenKind.System ? _system : _user;

    /// <summary>How long the entry may still be served under the current buffer (monotonic clock).</summary>
    private TimeSpan Remaining(CachedToken entry) =>
        entry.ReportedLifetime - (entry.BufferApplies ? Config.TokenExpiryBuffer : TimeSpan.Zero) - _time.GetElapsedTime(entry.FetchedAt);

    private bool IsExpired(CachedToken entry) => Remaining(entry) <= TimeSpan.Zero;

    private bool IsRefreshDue(CachedToken entry)
    {
        var servable = entry.ReportedLifetime - (entry.BufferApplies ? Config.TokenExpiryBuffer : TimeSpan.Zero);
        return _time.GetElapsedTime(entry.FetchedAt) >= servable * RefreshAheadFraction;
    }

    /// <summary>What <see cref="LookUp"/> found: a token to serve at once, or the fetch to wait for (with the key as a string).</summary>
    private readonly record struct Lookup(AccessToken? Hit, string? Key, Task<Fetched>? Pending, bool Joined, SharedCallLog? Log);

    private sealed record CachedToken(AccessToken Token, long FetchedAt, TimeSpan ReportedLifetime, bool BufferApplies, TokenClaims? Claims);
}
