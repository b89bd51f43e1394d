using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The tool listings one runspace uses to check arguments and complete names, per (endpoint, token identity):
/// another identity may see other tools. Each listing expires after the configured time, or the server's own
/// <c>ttlMs</c> when that is shorter (zero or less: not kept), so a server whose schema changed is checked
/// against the new one once the listing is stale. At most <see cref="MaxListings"/> are kept.
/// A <see cref="MemoryCache"/>: absolute expiry on a clock and a size bound are what it does. Left alone, a full
/// MemoryCache refuses the newest entry and compacts in the background; a new listing compacts a quarter first
/// (expired ones, then the least recently used), so the listing just made is kept.
/// </summary>
internal sealed class ToolListingCache : IDisposable
{
    /// <summary>The most listings kept (each counts 1 toward the cache's size limit).</summary>
    public const int MaxListings = 128;

    private readonly MemoryCache _cache;

    /// <param name="timeProvider">The clock of expiry; <see cref="TimeProvider.System"/> when null.</param>
    public ToolListingCache(TimeProvider? timeProvider = null)
    {
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
    /// for <paramref name="ttl"/>, or <paramref name="serverTtl"/> when the server gave a shorter one.
    /// </summary>
    public void Set(Uri endpoint, string identity, IReadOnlyList<McpToolInfo> tools, TimeSpan ttl, TimeSpan? serverTtl)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(tools);
        var keep = serverTtl is { } given && given < ttl ? given : ttl;
        var key = new Key(endpoint, identity);
        if (keep <= TimeSpan.Zero)
        {
            _cache.Remove(key);
            return;
        }

        if (_cache.Count >= MaxListings)
        {
            // Make room now: left to itself the cache would refuse this newest listing and compact later.
            // Compact drops expired listings first, then the least recently used.
            _cache.Compact(0.25);
        }

        using var entry = _cache.CreateEntry(key);
        entry.Value = tools;
        entry.Size = 1;
        entry.AbsoluteExpirationRelativeToNow = keep;
    }

    /// <summary>The listing of <paramref name="endpoint"/> for <paramref name="identity"/>, while it is current.</summary>
    public IReadOnlyList<McpToolInfo>? TryGet(Uri endpoint, string identity) =>
        _cache.TryGetValue(new Key(endpoint, identity), out IReadOnlyList<McpToolInfo>? tools) ? tools : null;

    /// <summary>Every current listing (for name completion; no network).</summary>
    public IEnumerable<(Uri Endpoint, IReadOnlyList<McpToolInfo> Tools)> Current()
    {
        foreach (var key in _cache.Keys)
        {
            if (key is Key k && _cache.TryGetValue(k, out IReadOnlyList<McpToolInfo>? tools) && tools is not null)
            {
                yield return (k.Endpoint, tools);
            }
        }
    }

    public void Dispose() => _cache.Dispose();

    private readonly record struct Key(Uri Endpoint, string Identity);

    private sealed class Clock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
