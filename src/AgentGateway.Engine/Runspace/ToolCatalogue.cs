using System.Collections.Concurrent;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The tools a runspace has seen listed: its listings (per endpoint and identity, expiring), lookups by name (on one
/// endpoint, or on whichever dependency has the tool), the tools for name completion, and which endpoints failed to list.
/// </summary>
internal sealed class ToolCatalogue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly RunspaceTokens _tokens;
    private readonly McpConnections _connections;
    private readonly Func<ClientConfig> _config;
    private readonly TimeProvider _timeProvider;
    private IReadOnlyList<McpToolInfo> _lastListing = [];
    private ToolListingCache? _listings;

    /// <summary>Endpoints whose last listing failed (a lookup by name lists them again only when the name is found nowhere else).</summary>
    private readonly ConcurrentDictionary<Uri, bool> _failedListings = new();
    private Task? _backgroundListing;

    internal ToolCatalogue(RunspaceTokens tokens, McpConnections connections, Func<ClientConfig> config, TimeProvider timeProvider)
    {
        _tokens = tokens;
        _connections = connections;
        _config = config;
        _timeProvider = timeProvider;
        _connections.ToolListChanged += DropListing;
    }

    /// <summary>The tools of the last listing in this runspace, for name completion (no network).</summary>
    public IReadOnlyList<McpToolInfo> LastListing => Volatile.Read(ref _lastListing);

    /// <summary>Lists the tools of each target (at most 4 servers at a time); one outcome per target, in order.</summary>
    public Task<IReadOnlyList<McpServerListing>> ListToolsAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, CancellationToken cancellationToken) =>
        ListToolsAsync(targets, auth, timeout: null, cancellationToken);

    /// <summary>
    /// Lists the tools of each target (at most 4 servers at a time) within <paramref name="timeout"/> for the whole
    /// listing (the config's timeout when null); one outcome per target, in order.
    /// </summary>
    public async Task<IReadOnlyList<McpServerListing>> ListToolsAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var listings = await _connections.Client().ListToolsAsync(targets, auth, maxConcurrency: 4, timeout, cancellationToken).ConfigureAwait(false);
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
    /// Lists the tools of every dependency in the background, with the system token (what tab completion of a tool name
    /// does in a session that has listed none): the listing already running, or a new one. Its failures are only its
    /// own (no credentials, a server down): the task never fails, and completion simply has nothing to offer.
    /// </summary>
    public Task ListDependenciesInBackground()
    {
        lock (_gate)
        {
            if (_backgroundListing is { IsCompleted: false } running)
            {
                return running;
            }

            _backgroundListing = Task.Run(async () =>
            {
                try
                {
                    var targets = _tokens.DependencyTargets();
                    if (targets.Count > 0)
                    {
                        await ListToolsAsync(targets, _tokens.AuthFor(targets[0].Url, null, null), timeout: null, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Completion offers nothing; the next command that lists says what is wrong.
                }
            });
            return _backgroundListing;
        }
    }

    /// <summary>
    /// Every tool this runspace has seen listed, for name completion (no network): the last listing, then
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
    /// The tool from this runspace's current listing of that endpoint for the identity <paramref name="auth"/>
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
    /// this runspace's last listing of that endpoint for that identity, however old (advice: <see cref="ToolListingCache"/>),
    /// else (none, or the name is not in it, which may be older than the tool) by listing the endpoint once and keeping
    /// it. An <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/>, with the closest names,
    /// when the fresh listing lacks it too. Completes synchronously when the listing has the tool. The listing is
    /// bounded by <paramref name="timeout"/> (the config's when null).
    /// </summary>
    public async Task<McpToolInfo> FindToolAsync(McpTarget target, McpAuth auth, string toolName, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        (await FindToolForCallAsync(target, auth, toolName, cancellationToken, timeout).ConfigureAwait(false)).Tool;

    /// <summary>
    /// As <see cref="FindToolAsync"/>; <c>Current</c> says whether the tool comes from a listing made just now or still
    /// within its TTL (its check is final), rather than from an older one (advice: a failing check lists again).
    /// </summary>
    internal async Task<(McpToolInfo Tool, bool Current)> FindToolForCallAsync(McpTarget target, McpAuth auth, string toolName, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(auth);
        var listings = Volatile.Read(ref _listings);
        var identity = auth.IdentityFor(target.Url);
        var advice = listings?.TryGetAdvice(target.Url, identity)?.FirstOrDefault(t => string.Equals(t.Name, toolName, StringComparison.Ordinal));
        if (advice is not null)
        {
            AgwTelemetry.CacheHits.Add(1, new KeyValuePair<string, object?>("cache", "listing"));
            return (advice, listings!.TryGet(target.Url, identity) is not null);
        }

        CallLog.Verbose($"Listing the tools of {target} once, to check arguments against their schemas.");
        return (await RelistToolAsync(target, auth, toolName, cancellationToken, timeout).ConfigureAwait(false), true);
    }

    /// <summary>
    /// Lists the target again and keeps the listing; the tool named <paramref name="toolName"/> in it, or an
    /// <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/>. For a call whose check failed
    /// against an older listing, or that the server refused for headers the older listing did not name (-32020).
    /// </summary>
    internal async Task<McpToolInfo> RelistToolAsync(McpTarget target, McpAuth auth, string toolName, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var tools = await _connections.Client().ListToolsAsync(target, auth, timeout, cancellationToken).ConfigureAwait(false);
        KeepListing(target.Url, auth, tools);
        return McpToolLookup.Single(tools, toolName, $"the MCP server {target}");
    }

    /// <summary>
    /// Drops every listing of <paramref name="endpoint"/> in this runspace (the server said its tools changed):
    /// the next call or completion lists it again.
    /// </summary>
    public void DropListing(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Volatile.Read(ref _listings)?.Drop(endpoint) is > 0)
        {
            CallLog.Verbose($"MCP server at {endpoint} said its tools changed: this runspace's listing of it is dropped.");
        }

        var last = Volatile.Read(ref _lastListing);
        if (last.Any(t => t.Url == endpoint))
        {
            Interlocked.CompareExchange(ref _lastListing, [.. last.Where(t => t.Url != endpoint)], last);
        }
    }

    /// <summary>This session's last listing of <paramref name="endpoint"/> for the identity <paramref name="auth"/> gives it, however old (advice); null when none is kept.</summary>
    private IReadOnlyList<McpToolInfo>? CurrentListing(Uri endpoint, McpAuth auth) =>
        Volatile.Read(ref _listings)?.TryGetAdvice(endpoint, auth.IdentityFor(endpoint));

    /// <summary>Keeps a listing for argument checks (as advice, however old) and completion (for ToolListCacheTtl or the server's shorter TTL).</summary>
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

        listings.Set(endpoint, auth.IdentityFor(endpoint), tools, _config().ToolListCacheTtl, (tools as McpToolList)?.TimeToLive, (tools as McpToolList)?.IsPublic ?? false);
    }

    /// <summary>
    /// The one dependency whose listing has <paramref name="toolName"/>: answered from this runspace's listings,
    /// listing once the dependencies never listed (and, when the name is found nowhere, the others again: their
    /// listing may be older than the tool, or may have failed). Several dependencies with the tool, or none, is an <see cref="McpGatewayException"/> that names them,
    /// or the closest names. Returns the auth it listed with, for the call to use.
    /// </summary>
    internal async Task<(McpToolInfo Tool, McpAuth Auth)> FindOnDependenciesAsync(
        string toolName, string? userJwt, string? accessToken, Func<TimeSpan> left, CancellationToken cancellationToken)
    {
        var targets = _tokens.DependencyTargets();
        if (targets.Count == 0)
        {
            throw McpGatewayException.ToolNotFound(toolName, "any dependency: the credentials name none", [], []);
        }

        var auth = _tokens.AuthFor(targets[0].Url, userJwt, accessToken);
        var fresh = targets.Where(t => CurrentListing(t.Url, auth) is null && !_failedListings.ContainsKey(t.Url)).ToArray();
        await ListAsync(fresh).ConfigureAwait(false);
        if (!Listed().Any(t => string.Equals(t.Name, toolName, StringComparison.Ordinal)))
        {
            // Found nowhere: the older listings may predate the tool, and a server that failed before may be back.
            await ListAsync(targets.Except(fresh).ToArray()).ConfigureAwait(false);
        }

        var unlisted = targets.Where(t => _failedListings.ContainsKey(t.Url)).Select(t => t.Dependency!.OrdId).ToArray();
        var found = McpToolLookup.Single(Listed(), toolName, $"any dependency of the credentials ({targets.Count - unlisted.Length} listed)", unlisted);
        CallLog.Verbose($"Tool '{toolName}' is on {McpToolLookup.Describe(found)}, the one dependency that lists it.");
        return (found, auth);

        McpToolInfo[] Listed() => [.. targets.SelectMany(t => CurrentListing(t.Url, auth) ?? [])];

        async Task ListAsync(IReadOnlyList<McpTarget> some)
        {
            if (some.Count > 0)
            {
                // All of them together (4 at a time) within what is left of the call's time: a server that did not
                // answer in it fails as a timeout of its own; the call's time running out is the call's timeout.
                CallLog.Verbose($"Listing the tools of {some.Count} dependency(ies) once, to find '{toolName}'.");
                await ListToolsAsync(some, auth, left(), cancellationToken).ConfigureAwait(false);
                _ = left();
            }
        }
    }

    /// <summary>Drops the listings.</summary>
    public void Dispose()
    {
        _connections.ToolListChanged -= DropListing;
        ToolListingCache? listings;
        lock (_gate)
        {
            listings = _listings;
            _listings = null;
        }

        listings?.Dispose();
    }
}
