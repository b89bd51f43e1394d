using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The tool listings one runspace uses to check arguments and complete names, per (endpoint, token identity):
/// another identity may see other tools. Each listing is current for the configured time, or the server's own
/// <c>ttlMs</c> when that is shorter (zero or less: never current): what completion offers (<see cref="TryGet"/>,
/// <see cref="Current"/>). Past that it is kept as advice (<see cref="TryGetAdvice"/>): a call checks its arguments
/// against it and lists again only when the tool is missing or the check fails, so a listing's age costs no request
/// per call. A listing the server marked public (<c>cacheScope: "public"</c>) is kept once for every identity, and an
/// identity with no listing of its own is answered from it; a private one (the default) only for its identity.
/// At most <see cref="MaxListings"/> are kept.
/// A <see cref="MemoryCache"/>: absolute expiry on a clock and a size bound are what it does. Left alone, a full
/// MemoryCache refuses the newest entry and compacts in the background; a new listing compacts a quarter first
/// (expired ones, then the least recently used), so the listing just made is kept.
/// </summary>
internal sealed class ToolListingCache : IDisposable
{
    /// <summary>The most listings kept (each counts 1 toward the cache's size limit).</summary>
    public const int MaxListings = 128;

    private readonly MemoryCache _cache;
    private readonly TimeProvider _time;

    /// <param name="timeProvider">The clock of expiry; <see cref="TimeProvider.System"/> when null.</param>
    public ToolListingCache(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = MaxListings,
            Clock = new Clock(timeProvider ?? TimeProvider.System),
        });
    }

    /// <summary>How many listings are held (some may have expired and not yet been noticed).</summary>
    public int Count => _cache.Count;

    /// <summary>
    /// Keeps <paramref name="tools"/> as the listing of <paramref name="endpoint"/> for <paramref name="identity"/>,
    /// for <paramref name="ttl"/>, or <paramref name="serverTtl"/> when the server gave a shorter one; for every
    /// identity when <paramref name="isPublic"/> (the server said the listing is the same for every caller; the
    /// identity's own older listing is dropped).
    /// </summary>
    public void Set(Uri endpoint, string identity, IReadOnlyList<McpToolInfo> tools, TimeSpan ttl, TimeSpan? serverTtl, bool isPublic = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(tools);
        var keep = serverTtl is { } given && given < ttl ? given : ttl;
        if (isPublic)
        {
            // The identity's own older listing would win over the shared one in the lookups.
            _cache.Remove(new Key(endpoint, identity));
        }

        var key = isPublic ? new Key(endpoint, SharedIdentity) : new Key(endpoint, identity);
        if (_cache.Count >= MaxListings)
        {
            // Make room now: left to itself the cache would refuse this newest listing and compact later.
            // Compact drops expired listings first, then the least recently used.
            _cache.Compact(0.25);
        }

        using var entry = _cache.CreateEntry(key);
        entry.Value = new Listing(tools, keep > TimeSpan.Zero ? _time.GetUtcNow() + keep : DateTimeOffset.MinValue);
        entry.Size = 1;
    }

    /// <summary>The listing of <paramref name="endpoint"/> for <paramref name="identity"/> (its own, else a public one), while it is current.</summary>
    public IReadOnlyList<McpToolInfo>? TryGet(Uri endpoint, string identity) =>
        Find(endpoint, identity) is { } listing && listing.CurrentAt(_time.GetUtcNow()) ? listing.Tools : null;

    /// <summary>The last listing of <paramref name="endpoint"/> for <paramref name="identity"/> (its own, else a public one), however old (advice for an argument check).</summary>
    public IReadOnlyList<McpToolInfo>? TryGetAdvice(Uri endpoint, string identity) => Find(endpoint, identity)?.Tools;

    private Listing? Find(Uri endpoint, string identity) =>
        _cache.TryGetValue(new Key(endpoint, identity), out Listing? own) ? own
        : _cache.TryGetValue(new Key(endpoint, SharedIdentity), out Listing? shared) ? shared
        : null;

    /// <summary>Drops every listing of <paramref name="endpoint"/> (all identities): the server said its tools changed.</summary>
    public int Drop(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var dropped = 0;
        foreach (var key in _cache.Keys)
        {
            if (key is Key k && k.Endpoint == endpoint)
            {
                _cache.Remove(k);
                dropped++;
            }
        }

        return dropped;
    }

    /// <summary>Every current listing (for name completion; no network).</summary>
    public IEnumerable<(Uri Endpoint, IReadOnlyList<McpToolInfo> Tools)> Current()
    {
        var now = _time.GetUtcNow();
        foreach (var key in _cache.Keys)
        {
            if (key is Key k && _cache.TryGetValue(k, out Listing? listing) && listing is not null && listing.CurrentAt(now))
            {
                yield return (k.Endpoint, listing.Tools);
            }
        }
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>The identity a public listing is kept under (no token identity is empty).</summary>
    private const string SharedIdentity = "";

    private readonly record struct Key(Uri Endpoint, string Identity);

    private sealed record Listing(IReadOnlyList<McpToolInfo> Tools, DateTimeOffset CurrentUntil)
    {
        public bool CurrentAt(DateTimeOffset now) => now < CurrentUntil;
    }

    private sealed class Clock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
