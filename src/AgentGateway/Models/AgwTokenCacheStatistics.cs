using AgentGateway.Engine.Tokens;

namespace AgentGateway;

/// <summary>The token cache counters of a runspace, as Get-AgwTokenCache -Statistics emits them (a snapshot).</summary>
public sealed class AgwTokenCacheStatistics
{
    private AgwTokenCacheStatistics()
    {
    }

    /// <summary>Calls served from the cache.</summary>
    public long Hits { get; private init; }

    /// <summary>Calls that found no servable token and waited for a fetch (their own or a shared one).</summary>
    public long Misses { get; private init; }

    /// <summary>Fetches started (one per key however many callers wait).</summary>
    public long TokenRequests { get; private init; }

    /// <summary>Fetches that replace a token: refresh-ahead and the fetch after an invalidation.</summary>
    public long Renewals { get; private init; }

    /// <summary>Entries dropped for the size bound or because they expired.</summary>
    public long Evictions { get; private init; }

    /// <summary>Entries dropped because a server rejected their token.</summary>
    public long Invalidations { get; private init; }

    /// <summary>
    /// Tokens taken to end MCP sessions (the DELETE a pooled client sends when it is closed: Clear-AgwTokenCache,
    /// an idle or evicted client); counted here, not in <see cref="Hits"/> or <see cref="Misses"/>.
    /// </summary>
    public long SessionEnds { get; private init; }

    /// <summary>System tokens cached now.</summary>
    public int SystemEntries { get; private init; }

    /// <summary>User tokens cached now.</summary>
    public int UserEntries { get; private init; }

    public override string ToString() => $"{Hits} hit(s), {Misses} miss(es), {TokenRequests} token request(s)";

    internal static AgwTokenCacheStatistics From(TokenCacheStatistics statistics) => new()
    {
        Hits = statistics.Hits,
        Misses = statistics.Misses,
        TokenRequests = statistics.TokenRequests,
        Renewals = statistics.Renewals,
        Evictions = statistics.Evictions,
        Invalidations = statistics.Invalidations,
        SessionEnds = statistics.SessionEnds,
        SystemEntries = statistics.SystemEntries,
        UserEntries = statistics.UserEntries,
    };
}
