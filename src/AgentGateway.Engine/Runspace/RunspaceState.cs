using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Runspace;

/// <summary>
/// The engine state of one runspace: its config and, built on it, its tokens (<see cref="Tokens"/>), its MCP
/// connections (<see cref="Connections"/>) and the tools it has seen listed (<see cref="Tools"/>). Every cmdlet of a
/// runspace shares one; another runspace has its own. A tool call enters here, through <see cref="PrepareCallAsync"/>.
/// Disposing it releases what it holds.
/// </summary>
internal sealed class RunspaceState : IDisposable
{
    private static int s_liveCount;
    private static long s_nextId;

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private ClientConfig _config = ClientConfig.Default;
    private int _disposed;

    /// <param name="getEnvironmentVariable">Reads the environment; tests pass their own.</param>
    /// <param name="timeProvider">The clock of token expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="tokenClientOptions">Retry behaviour of token requests; the defaults when null.</param>
    public RunspaceState(Func<string, string?>? getEnvironmentVariable = null, TimeProvider? timeProvider = null, TokenClientOptions? tokenClientOptions = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        var environment = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        Tokens = new RunspaceTokens(() => Config, environment, _timeProvider, tokenClientOptions);
        Connections = new McpConnections(() => Config, _timeProvider, environment);
        Tools = new ToolCatalogue(Tokens, Connections, () => Config, _timeProvider);
        Primitives = new McpPrimitives(Tokens, Connections, () => Config, _timeProvider);
        Id = Interlocked.Increment(ref s_nextId);
        Interlocked.Increment(ref s_liveCount);
    }

    /// <summary>How many runspace states exist and are not yet disposed, in this process.</summary>
    public static int LiveCount => Volatile.Read(ref s_liveCount);

    /// <summary>A number unique in this process, for verbose output.</summary>
    public long Id { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The config in force. Reading it needs no lock: it is immutable and swapped whole.</summary>
    public ClientConfig Config => Volatile.Read(ref _config);

    /// <summary>The credentials and the token provider of this runspace.</summary>
    public RunspaceTokens Tokens { get; }

    /// <summary>The MCP client pool of this runspace and the revision each endpoint speaks.</summary>
    public McpConnections Connections { get; }

    /// <summary>The tool listings of this runspace: lookups by name, argument checks, completion.</summary>
    public ToolCatalogue Tools { get; }

    /// <summary>The resources, resource templates and prompts of this runspace's servers: listings, reads, renders.</summary>
    public McpPrimitives Primitives { get; }

    /// <summary>Raised after the config changed, with the old and the new config.</summary>
    public event EventHandler<ClientConfigChangedEventArgs>? ConfigChanged;

    /// <summary>
    /// Applies a change to the config. The change validates the whole new config; if it throws, the old config
    /// stays in force. A new credential path or trusted CA path, or <paramref name="reloadCredentials"/> (the path
    /// was given again, say after a certificate was rotated), drops the token provider: the next use loads the
    /// credentials anew.
    /// </summary>
    public ClientConfig UpdateConfig(Func<ClientConfig, ClientConfig> change, bool reloadCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(change);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ClientConfig previous, next;
        TokenProvider? stale;
        lock (_gate)
        {
            previous = _config;
            next = change(previous);
            Volatile.Write(ref _config, next);
            stale = Tokens.ApplyConfig(previous, next, reloadCredentials);
        }

        stale?.Dispose();

        if (!ReferenceEquals(previous, next))
        {
            ConfigChanged?.Invoke(this, new ClientConfigChangedEventArgs(previous, next));
        }

        return next;
    }

    /// <summary>The current config with where credentials would come from, for display.</summary>
    public ClientConfigReport DescribeConfig()
    {
        var report = ClientConfigReport.From(Config, Tokens.LocateCredentials());
        if (report.CredentialSource == CredentialSourceKind.None)
        {
            return report;
        }

        try
        {
            report = report.WithCredentials(Tokens.DescribeCredentials(), _timeProvider.GetUtcNow());
            return report.GatewayUrl is { } gateway ? report with { ProxyInUse = Config.ProxySettings.RouteFor(gateway, Tokens.GetEnvironmentVariable).ToString() } : report;
        }
        catch (CredentialException e)
        {
            return report with { CredentialError = e.Message };
        }
    }

    /// <summary>
    /// Prepares a tool call, the one way into a call: resolves where the tool lives (<see cref="McpCallRequest"/> says
    /// in which order), builds the arguments as JSON once, chooses the auth of that endpoint
    /// (<see cref="RunspaceTokens.AuthFor"/>) and checks the arguments against the tool's inputSchema (the given
    /// tool's, else this runspace's listing of the endpoint, listing it once when needed). Nothing goes to the tool: a
    /// name the listing lacks is an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.ToolNotFound"/>,
    /// arguments that break the schema an <see cref="McpArgumentException"/>, both before any tools/call. Completes
    /// synchronously when no listing is needed.
    /// </summary>
    /// <remarks>
    /// The request's timeout (or the config's) bounds the whole call: the listing, if one is needed, gets what is
    /// left of it, so does the argument check (its patterns run with a match timeout), and the prepared call keeps
    /// the rest for sending (<see cref="McpPreparedCall.Timeout"/>). Time spent between preparing and sending (a
    /// confirmation prompt) is not counted.
    /// </remarks>
    public async Task<McpPreparedCall> PrepareCallAsync(McpCallRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ToolName);
        var toolName = request.ToolName;
        var tool = request.Tool;
        var target = tool is not null ? tool.Target
            : request.OrdId is not null ? Tokens.TargetForOrdId(request.OrdId)
            : request.Uri is not null ? new McpTarget(request.Uri)
            : null;

        // One budget for the whole call: what preparing it takes is not left for sending it.
        var budget = request.Timeout ?? Config.Timeout;
        var started = _timeProvider.GetTimestamp();
        TimeSpan Left(string doing)
        {
            var left = budget - _timeProvider.GetElapsedTime(started);
            return left > TimeSpan.Zero ? left : throw McpGatewayException.TimedOut(
                $"The call of tool '{toolName}' did not finish within {budget.TotalSeconds:0.###} s: its time ran out {doing}.", budget, target?.Url);
        }

        // The arguments are built as JSON once: checked, shown by -WhatIf and sent as this one object.
        var arguments = ArgumentJson.ToJsonObject(request.Arguments);
        McpAuth? auth = null;
        if (target is null)
        {
            (tool, auth) = await Tools.FindOnDependenciesAsync(toolName, request.UserJwt, request.AccessToken, () => Left("while the dependencies were listed"), cancellationToken).ConfigureAwait(false);
            target = tool.Target;
        }

        // One auth a call: the user JWT is hashed once, in it, for the lookup, the listing and the call.
        auth ??= Tokens.AuthFor(target.Url, request.UserJwt, request.AccessToken);
        if (!request.SkipSchemaValidation)
        {
            // The runspace's listing, however old, is advice: listed again only when the tool is missing from it or
            // the arguments fail against an older one (then the fresh listing decides), so a call costs one round
            // trip. A listing made just now or within its TTL, or the caller's own tool (Get-McpTool's), decides.
            bool listed;
            if (tool is null)
            {
                (tool, listed) = await Tools.FindToolForCallAsync(target, auth, toolName, cancellationToken, Left("before the tools were listed")).ConfigureAwait(false);
            }
            else
            {
                listed = true;
            }

            try
            {
                ToolArgumentValidator.ThrowIfInvalid(tool, arguments, Left("before the arguments were checked"));
            }
            catch (McpArgumentException) when (!listed)
            {
                CallLog.Verbose($"The arguments do not fit the listing of '{toolName}' this runspace has; listing {target} again, whose schema decides.");
                AgwTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", "check-failed"));
                tool = await Tools.RelistToolAsync(target, auth, toolName, cancellationToken, Left("before the tools were listed again")).ConfigureAwait(false);
                ToolArgumentValidator.ThrowIfInvalid(tool, arguments, Left("before the arguments were checked"));
            }
        }
        else
        {
            tool = null;
        }

        return new McpPreparedCall(target, auth, toolName, tool, arguments, Left("while the arguments were checked"), SendAsync);
    }

    private async Task<McpCallResult> SendAsync(McpPreparedCall call, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            return await Connections.Client().CallToolJsonAsync(call.Target, call.Auth, call.ToolName, call.Arguments, progress, call.Timeout, cancellationToken, call.Tool).ConfigureAwait(false);
        }
        catch (McpGatewayException e) when (e.RpcErrorCode == McpGatewayException.HeaderMismatchCode && !cancellationToken.IsCancellationRequested)
        {
            // The server refused the request before running the tool: its headers (Mcp-Param-*) did not match what the
            // tool's schema asks now. List once; the fresh schema names the headers; send again.
            CallLog.Verbose($"MCP server at {call.Target.Url} refused the headers of the call of '{call.ToolName}' (-32020) before running it; listing its tools again and sending once more.");
            var left = call.Timeout is { } limit ? limit - _timeProvider.GetElapsedTime(started) : (TimeSpan?)null;
            if (left <= TimeSpan.Zero)
            {
                throw;
            }

            AgwTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", "header-mismatch"));
            var tool = await Tools.RelistToolAsync(call.Target, call.Auth, call.ToolName, cancellationToken, left).ConfigureAwait(false);
            left = call.Timeout is { } again ? again - _timeProvider.GetElapsedTime(started) : null;
            return await Connections.Client().CallToolJsonAsync(call.Target, call.Auth, call.ToolName, call.Arguments, progress, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), cancellationToken, tool).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drops cached tokens (all, or one kind) and closes every pooled MCP client, so that the next call fetches a
    /// fresh token and connects anew.
    /// </summary>
    public async Task ClearTokenCacheAsync(TokenKind? kind)
    {
        // Connections first: ending an MCP session (DELETE) sends a token, and must not refill the cache after it is cleared.
        await Connections.ClearAsync().ConfigureAwait(false);
        Tokens.Clear(kind);
        if (kind is null or TokenKind.AuthorizationCode)
        {
            Tokens.SignIns.Clear();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Tokens.Reset();
        Tokens.SignIns.Dispose();
        Tools.Dispose();
        Connections.Dispose();

        Interlocked.Decrement(ref s_liveCount);
    }
}
