using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Runspace;

/// <summary>The MCP half of a runspace session: the pooled MCP clients and what the cmdlets ask of them.</summary>
public sealed partial class RunspaceState
{
    /// <summary>How long closing a runspace waits for its MCP sessions to end (DELETE) before letting them go.</summary>
    private static readonly TimeSpan s_closeWait = TimeSpan.FromSeconds(5);

    private McpClientPool? _pool;
    private McpGatewayClient? _client;

    /// <summary>Which MCP revision each endpoint speaks, learned once in this runspace and kept across pools.</summary>
    private readonly McpNegotiation _negotiation = new();
    private IReadOnlyList<McpToolInfo> _lastListing = [];
    private ToolListingCache? _listings;

    /// <summary>Endpoints whose last listing failed (a lookup by name lists them again only when the name is found nowhere else).</summary>
    private readonly ConcurrentDictionary<Uri, bool> _failedListings = new();

    /// <summary>The tools of the last listing in this session, for name completion (no network).</summary>
    public IReadOnlyList<McpToolInfo> LastListing => Volatile.Read(ref _lastListing);

    /// <summary>The MCP revision negotiated with <paramref name="endpoint"/> in this session, or null before its first connection.</summary>
    public string? ProtocolVersionOf(Uri endpoint) => _negotiation.RevisionOf(endpoint);

    /// <summary>How many MCP clients are pooled now.</summary>
    public int PooledMcpSessions => Volatile.Read(ref _pool)?.Count ?? 0;

    /// <summary>The integration dependencies of the credentials (loads them on first use).</summary>
    public IReadOnlyList<IntegrationDependency> GetDependencies() => GetTokenProvider().Credentials.Dependencies;

    /// <summary>The dependencies, or none when no credentials are found; never throws, never touches the network (completers).</summary>
    public IReadOnlyList<IntegrationDependency> TryGetDependencies()
    {
        try
        {
            return TryGetTokenProvider()?.Credentials.Dependencies ?? [];
        }
        catch (CredentialException)
        {
            return [];
        }
    }

    /// <summary>The gateway endpoint of one dependency of the credentials; an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.NotFound"/> when no dependency has that ORD id.</summary>
    public McpTarget TargetForOrdId(string ordId)
    {
        var credentials = GetTokenProvider().Credentials;
        var dependency = credentials.Dependencies.FirstOrDefault(d => string.Equals(d.OrdId, ordId, StringComparison.OrdinalIgnoreCase))
            ?? throw McpGatewayException.NoDependency([ordId]);
        return McpTarget.ForDependency(credentials.GatewayUrl.AbsoluteUri, dependency);
    }

    /// <summary>
    /// An <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.NotFound"/> naming every ORD id of
    /// <paramref name="ordIds"/> that no dependency of the credentials has (ignoring case); nothing when all are known.
    /// </summary>
    public void ThrowIfNoDependency(IEnumerable<string> ordIds)
    {
        ArgumentNullException.ThrowIfNull(ordIds);
        var known = GetTokenProvider().Credentials.Dependencies;
        var missing = ordIds.Where(o => !known.Any(d => string.Equals(d.OrdId, o, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (missing.Length > 0)
        {
            throw McpGatewayException.NoDependency(missing);
        }
    }

    /// <summary>
    /// How requests to <paramref name="endpoint"/> are authenticated: the gateway's tokens (system, or the
    /// user's when <paramref name="userJwt"/> is given) for the credentials' gateway origin; elsewhere
    /// <paramref name="accessToken"/> if given, else nothing. Without credentials only the fixed token is used.
    /// </summary>
    public McpAuth AuthFor(Uri endpoint, string? userJwt, string? accessToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        CheckUserJwt(userJwt);

        var provider = TryGetTokenProvider();
        if (provider is null)
        {
            if (accessToken is not null)
            {
                return McpAuth.Fixed(accessToken);
            }

            if (userJwt is not null)
            {
                throw new CredentialException("A user token needs credentials to exchange it, and none were found.");
            }

            return McpAuth.None;
        }

        return McpAuth.Gateway(provider, provider.Credentials.GatewayUrl, userJwt, accessToken);
    }

    /// <summary>A user token that is not a JWT is refused before anything is sent (<see cref="UserTokenException"/>); the last good one is remembered.</summary>
    private void CheckUserJwt(string? userJwt)
    {
        if (string.IsNullOrWhiteSpace(userJwt) || string.Equals(userJwt, Volatile.Read(ref _lastCheckedUserJwt), StringComparison.Ordinal))
        {
            return;
        }

        JwtReader.ThrowIfNotJwt(userJwt.Trim());
        Volatile.Write(ref _lastCheckedUserJwt, userJwt);
    }

    private string? _lastCheckedUserJwt;

    /// <summary>The targets of every dependency that <paramref name="include"/> accepts (all when null), before any request.</summary>
    public IReadOnlyList<McpTarget> DependencyTargets(Func<IntegrationDependency, bool>? include = null)
    {
        var credentials = GetTokenProvider().Credentials;
        return credentials.Dependencies
            .Where(d => include?.Invoke(d) ?? true)
            .Select(d => McpTarget.ForDependency(credentials.GatewayUrl.AbsoluteUri, d))
            .ToArray();
    }

    /// <summary>Lists the tools of each target (at most 4 servers at a time); one outcome per target, in order.</summary>
    public Task<IReadOnlyList<McpServerListing>> ListToolsAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, CancellationToken cancellationToken) =>
        ListToolsAsync(targets, auth, timeout: null, cancellationToken);

    /// <summary>
    /// Lists the tools of each target (at most 4 servers at a time) within <paramref name="timeout"/> for the whole
    /// listing (the config's timeout when null); one outcome per target, in order.
    /// </summary>
    public async Task<IReadOnlyList<McpServerListing>> ListToolsAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var listings = await GetMcpClient().ListToolsAsync(targets, auth, maxConcurrency: 4, timeout, cancellationToken).ConfigureAwait(false);
        foreach (var listing in listings)
        {
            if (listing.Tools is not null)
            {
                KeepListing(listing.Target.Url, auth, listing.Tools);
                _failedListings.TryRemove(listing.Target.Url, out _);
            }
            else
            {
                _failedListings[listing.Target.Url] = true;
            }
        }

        var tools = listings.Where(l => l.Tools is not null).SelectMany(l => l.Tools!).ToArray();
        if (tools.Length > 0)
        {
            Volatile.Write(ref _lastListing, tools);
        }

        return listings;
    }

    /// <summary>
    /// Every tool this session has seen listed, for name completion (no network): the last listing, then
    /// the other current listings (by Get-McpTool, or once to check arguments). A listing's entry without a name
    /// (<see cref="McpToolInfo.Problem"/>) is no tool to complete.
    /// </summary>
    public IReadOnlyList<McpToolInfo> KnownTools
    {
        get
        {
            var last = LastListing;
            var listed = new HashSet<Uri>(last.Select(t => t.Url));
            var others = Volatile.Read(ref _listings)?.Current().Where(l => listed.Add(l.Endpoint)).SelectMany(l => l.Tools) ?? [];
            return [.. last.Concat(others).Where(t => t.Name.Length > 0)];
        }
    }

    /// <summary>
    /// The tool from this session's current listing of that endpoint for the identity <paramref name="auth"/>
    /// gives it (listings expire after ToolListCacheTtl, or the server's shorter TTL); never the network.
    /// </summary>
    public McpToolInfo? FindKnownTool(Uri endpoint, McpAuth auth, string toolName)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(auth);
        return Volatile.Read(ref _listings)?.TryGet(endpoint, auth.IdentityFor(endpoint))?.FirstOrDefault(t => string.Equals(t.Name, toolName, StringComparison.Ordinal));
    }

    /// <summary>
    /// The tool named <paramref name="toolName"/> on the target, to check arguments against before a call: from
    /// this session's current listing of that endpoint for that identity, else (none current, or the name is not
    /// in it, which may be older than the tool) by listing the endpoint once and keeping it. An
    /// <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/>, with the closest names,
    /// when the fresh listing lacks it too. Completes synchronously when the listing has the tool. The listing is
    /// bounded by <paramref name="timeout"/> (the config's when null).
    /// </summary>
    public async Task<McpToolInfo> FindToolAsync(McpTarget target, McpAuth auth, string toolName, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(auth);
        if (FindKnownTool(target.Url, auth, toolName) is { } tool)
        {
            return tool;
        }

        CallLog.Verbose($"Listing the tools of {target} once, to check arguments against their schemas.");
        var tools = await GetMcpClient().ListToolsAsync(target, auth, timeout, cancellationToken).ConfigureAwait(false);
        KeepListing(target.Url, auth, tools);
        return McpToolLookup.Single(tools, toolName, $"the MCP server {target}");
    }

    /// <summary>This session's current listing of <paramref name="endpoint"/> for the identity <paramref name="auth"/> gives it; null when none is kept.</summary>
    private IReadOnlyList<McpToolInfo>? CurrentListing(Uri endpoint, McpAuth auth) =>
        Volatile.Read(ref _listings)?.TryGet(endpoint, auth.IdentityFor(endpoint));

    /// <summary>Keeps a listing for argument checks and completion, for ToolListCacheTtl or the server's shorter TTL.</summary>
    private void KeepListing(Uri endpoint, McpAuth auth, IReadOnlyList<McpToolInfo> tools)
    {
        var listings = Volatile.Read(ref _listings);
        if (listings is null)
        {
            lock (_gate)
            {
                listings = _listings ??= new ToolListingCache(_timeProvider);
            }
        }

        listings.Set(endpoint, auth.IdentityFor(endpoint), tools, Config.ToolListCacheTtl, (tools as McpToolList)?.TimeToLive);
    }

    /// <summary>
    /// Drops cached tokens (all, or one kind) and closes every pooled MCP session, so that the next call
    /// fetches a fresh token and initializes anew.
    /// </summary>
    public async Task ClearTokenCacheAsync(TokenKind? kind)
    {
        // Sessions first: ending one (DELETE) sends a token, and must not refill the cache after it is cleared.
        var pool = Volatile.Read(ref _pool);
        if (pool is not null)
        {
            await pool.ClearAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            _tokenProvider?.Clear(kind);
        }
    }

    /// <summary>The client over the pool, made with it; a new pool and client when the timeout or the trusted CAs changed (the old pool is closed).</summary>
    private McpGatewayClient GetMcpClient()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var wanted = McpPoolOptions.From(Config, _timeProvider);
        McpClientPool? stale = null;
        McpGatewayClient client;
        lock (_gate)
        {
            if (_pool is null || _client is null || _pool.Options != wanted)
            {
                stale = _pool;
                _pool = new McpClientPool(wanted, _negotiation);
                _client = new McpGatewayClient(_pool);
            }

            client = _client;
        }

        if (stale is not null)
        {
            CallLog.Verbose("MCP settings changed: closing the sessions made under the old ones.");
            CloseInBackground(stale);
        }

        return client;
    }

    private void CloseMcpSessions()
    {
        McpClientPool? pool;
        ToolListingCache? listings;
        lock (_gate)
        {
            pool = _pool;
            _pool = null;
            listings = _listings;
            _listings = null;
            _client = null;
        }

        listings?.Dispose();

        if (pool is null)
        {
            return;
        }

        // Runspace close is synchronous: wait a little for the DELETEs, then let them finish alone.
        CloseInBackground(pool).Wait(s_closeWait);
    }

    private static Task CloseInBackground(McpClientPool pool)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () =>
            {
                try
                {
                    await pool.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Ending sessions is a courtesy to the server; nothing waits on the outcome.
                }
            });
        }
    }
}
