using System.Collections.Concurrent;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Prompts;
using AgentGateway.Engine.Mcp.Resources;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The resources, resource templates and prompts of a runspace's servers: listed (many servers at once, each failure
/// its own), read and rendered over the runspace's MCP connections (the same pool, negotiation, auth, timeout and
/// response bound as tools). The last listing of each endpoint and identity is kept for <c>ToolListCacheSec</c>, for
/// lookups by name and for tab completion without the network; Tab and a prompt's argument parameters may start the
/// listing of an endpoint not listed yet in the background (<see cref="ListPromptsInBackground"/>).
/// </summary>
internal sealed class McpPrimitives
{
    /// <summary>How many listings (endpoint and identity) of each kind are kept.</summary>
    private const int MaxListings = 128;

    private readonly RunspaceTokens _tokens;
    private readonly McpConnections _connections;
    private readonly Func<ClientConfig> _config;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<McpResourceInfo> Items)> _resources = new();
    private readonly ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<McpPromptInfo> Items)> _prompts = new();
    private readonly Dictionary<(string Method, Uri Endpoint, string Identity), Task> _inBackground = [];

    internal McpPrimitives(RunspaceTokens tokens, McpConnections connections, Func<ClientConfig> config, TimeProvider timeProvider)
    {
        _tokens = tokens;
        _connections = connections;
        _config = config;
        _timeProvider = timeProvider;
    }

    /// <summary>Every resource and template listed in this runspace and still current, for completion (no network).</summary>
    public IReadOnlyList<McpResourceInfo> KnownResources => [.. Current(_resources).Where(r => r.Problem is null)];

    /// <summary>Every prompt listed in this runspace and still current, for completion (no network).</summary>
    public IReadOnlyList<McpPromptInfo> KnownPrompts => [.. Current(_prompts).Where(p => p.Problem is null)];

    /// <summary>Lists the resources and templates of each target (4 at a time) within <paramref name="timeout"/> for the whole (the config's when null).</summary>
    public Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<McpResourceInfo>>>> ListResourcesAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken) =>
        ListAsync(targets, auth, timeout, "resources/list", _resources, McpResourceOperations.ListAsync, cancellationToken);

    /// <summary>Lists the prompts of each target (4 at a time) within <paramref name="timeout"/> for the whole (the config's when null).</summary>
    public Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<McpPromptInfo>>>> ListPromptsAsync(IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken) =>
        ListAsync(targets, auth, timeout, "prompts/list", _prompts, McpPromptOperations.ListAsync, cancellationToken);

    /// <summary>
    /// Lists the prompts of those of <paramref name="targets"/> that have no current listing for this identity, in the
    /// background within the config's timeout, one listing at a time per endpoint and identity (a second caller gets the
    /// one under way): for Tab and a prompt's argument parameters, which wait for it a bounded while. The task never
    /// fails (a server that failed stays unlisted: the next command that lists says what is wrong); it is complete at
    /// once when every target is listed.
    /// </summary>
    public Task ListPromptsInBackground(IReadOnlyList<McpTarget> targets, McpAuth auth) =>
        InBackground(targets, auth, "prompts/list", _prompts, ListPromptsAsync);

    /// <summary>
    /// Lists, within <paramref name="timeout"/>, the prompts of those of <paramref name="targets"/> that have no current
    /// listing for this identity: what a prompt's argument parameters need when a command runs. The outcomes of those
    /// it listed (none when every target was listed), each failure its own.
    /// </summary>
    public async Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<McpPromptInfo>>>> ListUnlistedPromptsAsync(
        IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(auth);
        var unlisted = targets.Where(t => Cached(_prompts, t.Url, auth) is null).DistinctBy(t => t.Url).ToArray();
        return unlisted.Length == 0 ? [] : await ListPromptsAsync(unlisted, auth, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ListPromptsInBackground"/>, the resources and templates (for a template's variables on Tab).</summary>
    public Task ListResourcesInBackground(IReadOnlyList<McpTarget> targets, McpAuth auth) =>
        InBackground(targets, auth, "resources/list", _resources, ListResourcesAsync);

    /// <summary>Reads <paramref name="resourceUri"/> from the target; one item per content entry.</summary>
    public Task<IReadOnlyList<McpResourceItem>> ReadResourceAsync(McpTarget target, McpAuth auth, string resourceUri, TimeSpan? timeout, CancellationToken cancellationToken) =>
        McpResourceOperations.ReadAsync(_connections.Client(), target, auth, resourceUri, timeout, cancellationToken);

    /// <summary>
    /// The one dependency that lists <paramref name="resourceUri"/> (a resource of that URI, else a template it matches
    /// by its fixed start), from this runspace's listings or by listing the dependencies once; with the auth to read it.
    /// </summary>
    public async Task<(McpTarget Target, McpAuth Auth)> FindResourceServerAsync(string resourceUri, string? userJwt, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var (listed, auth) = await OnDependenciesAsync(_resources, ListResourcesAsync, userJwt, timeout, cancellationToken).ConfigureAwait(false);
        var exact = listed.Where(r => string.Equals(r.Uri, resourceUri, StringComparison.Ordinal)).Select(r => r.Target).Distinct().ToArray();
        var found = exact.Length > 0 ? exact
            : listed.Where(r => r.UriTemplate is { } t && resourceUri.StartsWith(t.Split('{')[0], StringComparison.Ordinal) && t.Split('{')[0].Length > 0).Select(r => r.Target).Distinct().ToArray();
        return found.Length switch
        {
            1 => (found[0], auth),
            0 => throw new McpPrimitiveException(McpPrimitiveProblem.NotFound, $"No dependency of the credentials lists the resource '{resourceUri}' (or a template it fits).", resourceUri)
            {
                Candidates = McpToolLookup.ClosestNames(resourceUri, listed.Select(r => r.Uri ?? r.UriTemplate!)),
            },
            _ => throw new McpPrimitiveException(McpPrimitiveProblem.NotFound, $"Several dependencies list the resource '{resourceUri}' ({string.Join(", ", found.Select(f => f.Dependency?.OrdId ?? f.Url.ToString()))}); name one.", resourceUri),
        };
    }

    /// <summary>
    /// The prompt <paramref name="name"/> of the target (null: the one dependency that lists it), from this runspace's
    /// current listing or by listing once; <see cref="McpPrimitiveProblem.NotFound"/> with the closest names when none has it.
    /// </summary>
    public async Task<(McpPromptInfo Prompt, McpAuth Auth)> FindPromptAsync(McpTarget? target, McpAuth? auth, string name, string? userJwt, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        IReadOnlyList<McpPromptInfo> listed;
        if (target is null)
        {
            (listed, auth) = await OnDependenciesAsync(_prompts, ListPromptsAsync, userJwt, timeout, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            ArgumentNullException.ThrowIfNull(auth);
            listed = Cached(_prompts, target.Url, auth) ?? [];
            if (!listed.Any(p => p.Name == name))
            {
                var outcome = (await ListPromptsAsync([target], auth, timeout, cancellationToken).ConfigureAwait(false))[0];
                listed = outcome.Value ?? throw outcome.Error!;
            }
        }

        var named = listed.Where(p => string.Equals(p.Name, name, StringComparison.Ordinal)).ToArray();
        return named.Length switch
        {
            1 => (named[0], auth!),
            0 => throw new McpPrimitiveException(McpPrimitiveProblem.NotFound, $"No prompt named '{name}' is listed by {(target is null ? "the dependencies of the credentials" : $"the MCP server {target}")}.", name, target?.Url)
            {
                Primitive = "prompt",
                Candidates = McpToolLookup.ClosestNames(name, listed.Select(p => p.Name)),
            },
            _ => throw new McpPrimitiveException(McpPrimitiveProblem.NotFound, $"Several dependencies list a prompt named '{name}' ({string.Join(", ", named.Select(p => p.OrdId ?? p.ServerName))}); name one.", name) { Primitive = "prompt" },
        };
    }

    /// <summary>
    /// What the server of <paramref name="target"/> suggests for an argument of a prompt (<paramref name="promptName"/>)
    /// or a variable of a resource template (<paramref name="uriTemplate"/>), given what was typed and the other values
    /// typed so far (completion/complete; nothing is asked of a server that declares no completions).
    /// </summary>
    public Task<IReadOnlyList<string>> CompleteAsync(
        McpTarget target, McpAuth auth, string? promptName, string? uriTemplate, string argument, string typed, IReadOnlyDictionary<string, string>? context, TimeSpan? timeout, CancellationToken cancellationToken) =>
        McpCompletion.CompleteAsync(_connections.Client(), target, auth, promptName, uriTemplate, argument, typed, context, timeout, cancellationToken);

    /// <summary>Renders <paramref name="prompt"/> with <paramref name="arguments"/>, checked against its listed arguments first (nothing is sent when they do not fit).</summary>
    public Task<IReadOnlyList<McpPromptMessage>> GetPromptAsync(McpPromptInfo prompt, McpAuth auth, IReadOnlyDictionary<string, string>? arguments, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var checkedArguments = prompt.CheckArguments(arguments);
        return McpPromptOperations.GetAsync(_connections.Client(), prompt.Target, auth, prompt.Name, checkedArguments, timeout, cancellationToken);
    }

    private async Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>>> ListAsync<T>(
        IReadOnlyList<McpTarget> targets,
        McpAuth auth,
        TimeSpan? timeout,
        string method,
        ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<T> Items)> cache,
        Func<McpGatewayClient, McpTarget, McpAuth, TimeSpan?, CancellationToken, Task<IReadOnlyList<T>>> list,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(auth);
        var client = _connections.Client();
        var limit = timeout ?? client.Options.Timeout;
        var outcomes = await McpFanOut.EachAsync(targets, method, limit, 4, (t, left, ct) => list(client, t, auth, left, ct), cancellationToken).ConfigureAwait(false);
        foreach (var outcome in outcomes.Where(o => o.Value is not null))
        {
            cache[(outcome.Target.Url, auth.IdentityFor(outcome.Target.Url))] = (_timeProvider.GetTimestamp(), outcome.Value!);
        }

        // Bounded as the tool listings are: past 128 endpoint-identity pairs, the oldest listings go.
        foreach (var old in cache.OrderBy(e => e.Value.At).Take(Math.Max(0, cache.Count - MaxListings)).ToArray())
        {
            cache.TryRemove(old.Key, out _);
        }

        return outcomes;
    }

    private Task InBackground<T>(
        IReadOnlyList<McpTarget> targets,
        McpAuth auth,
        string method,
        ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<T> Items)> cache,
        Func<IReadOnlyList<McpTarget>, McpAuth, TimeSpan?, CancellationToken, Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>>>> list)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(auth);
        var waits = new List<Task>();
        lock (_inBackground)
        {
            // Finished listings are forgotten (a listed endpoint is in the cache; a failed one is tried again).
            foreach (var done in _inBackground.Where(e => e.Value.IsCompleted).Select(e => e.Key).ToArray())
            {
                _inBackground.Remove(done);
            }

            var unlisted = new List<McpTarget>();
            foreach (var target in targets.Where(t => Cached(cache, t.Url, auth) is null).DistinctBy(t => t.Url))
            {
                if (_inBackground.TryGetValue((method, target.Url, auth.IdentityFor(target.Url)), out var running))
                {
                    waits.Add(running);
                }
                else
                {
                    unlisted.Add(target);
                }
            }

            if (unlisted.Count > 0)
            {
                var listing = Task.Run(async () =>
                {
                    try
                    {
                        await list(unlisted, auth, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // Nothing is listed; the next command that lists says what is wrong.
                    }
                });
                foreach (var target in unlisted)
                {
                    _inBackground[(method, target.Url, auth.IdentityFor(target.Url))] = listing;
                }

                waits.Add(listing);
            }
        }

        var distinct = waits.Distinct().ToArray();
        return distinct.Length switch
        {
            0 => Task.CompletedTask,
            1 => distinct[0],
            _ => Task.WhenAll(distinct),
        };
    }

    private async Task<(IReadOnlyList<T> Listed, McpAuth Auth)> OnDependenciesAsync<T>(
        ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<T> Items)> cache,
        Func<IReadOnlyList<McpTarget>, McpAuth, TimeSpan?, CancellationToken, Task<IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>>>> list,
        string? userJwt,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        var targets = _tokens.DependencyTargets();
        if (targets.Count == 0)
        {
            throw new McpPrimitiveException(McpPrimitiveProblem.NotFound, "The credentials name no dependency to look in.");
        }

        var auth = _tokens.AuthFor(targets[0].Url, userJwt, null);
        var unlisted = targets.Where(t => Cached(cache, t.Url, auth) is null).ToArray();
        if (unlisted.Length > 0)
        {
            await list(unlisted, auth, timeout, cancellationToken).ConfigureAwait(false);
        }

        return ([.. targets.SelectMany(t => Cached(cache, t.Url, auth) ?? [])], auth);
    }

    private IReadOnlyList<T>? Cached<T>(ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<T> Items)> cache, Uri endpoint, McpAuth auth) =>
        cache.TryGetValue((endpoint, auth.IdentityFor(endpoint)), out var entry) && _timeProvider.GetElapsedTime(entry.At) < _config().ToolListCacheTtl ? entry.Items : null;

    private IEnumerable<T> Current<T>(ConcurrentDictionary<(Uri, string), (long At, IReadOnlyList<T> Items)> cache) =>
        cache.Values.Where(e => _timeProvider.GetElapsedTime(e.At) < _config().ToolListCacheTtl).SelectMany(e => e.Items);
}
