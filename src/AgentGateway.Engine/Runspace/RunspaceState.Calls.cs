using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Runspace;

/// <summary>The one path of a tool call: a request is prepared (target, arguments, auth, lookup, schema check), then invoked.</summary>
public sealed partial class RunspaceState
{
    /// <summary>
    /// Prepares a tool call: resolves where the tool lives (<see cref="McpCallRequest"/> says in which order), builds
    /// the arguments as JSON once, chooses the auth of that endpoint (<see cref="AuthFor"/>) and checks the arguments
    /// against the tool's inputSchema (the given tool's, else this session's listing of the endpoint, listing it once
    /// when needed). Nothing goes to the tool: a name the listing lacks is an <see cref="McpGatewayException"/> of kind
    /// <see cref="McpErrorKind.ToolNotFound"/>, arguments that break the schema an <see cref="McpArgumentException"/>,
    /// both before any tools/call. Completes synchronously when no listing is needed.
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
            : request.OrdId is not null ? TargetForOrdId(request.OrdId)
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
            (tool, auth) = await FindToolOnDependenciesAsync(toolName, request.UserJwt, request.AccessToken, () => Left("while the dependencies were listed"), cancellationToken).ConfigureAwait(false);
            target = tool.Target;
        }

        // One auth a call: the user JWT is hashed once, in it, for the lookup, the listing and the call.
        auth ??= AuthFor(target.Url, request.UserJwt, request.AccessToken);
        if (!request.SkipSchemaValidation)
        {
            tool ??= await FindToolAsync(target, auth, toolName, cancellationToken, Left("before the tools were listed")).ConfigureAwait(false);
            ToolArgumentValidator.ThrowIfInvalid(tool, arguments, Left("before the arguments were checked"));
        }
        else
        {
            tool = null;
        }

        return new McpPreparedCall(target, auth, toolName, tool, arguments, Left("while the arguments were checked"), SendAsync);
    }

    private Task<McpCallResult> SendAsync(McpPreparedCall call, Action<McpProgress>? progress, CancellationToken cancellationToken) =>
        GetMcpClient().CallToolJsonAsync(call.Target, call.Auth, call.ToolName, call.Arguments, progress, call.Timeout, cancellationToken);

    /// <summary>
    /// The one dependency whose listing has <paramref name="toolName"/>: answered from this session's listings,
    /// listing once the dependencies never listed (and, when the name is found nowhere, the others again: their
    /// listing may be older than the tool, or may have failed). Several dependencies with the tool, or none, is an <see cref="McpGatewayException"/> that names them,
    /// or the closest names. Returns the auth it listed with, for the call to use.
    /// </summary>
    private async Task<(McpToolInfo Tool, McpAuth Auth)> FindToolOnDependenciesAsync(
        string toolName, string? userJwt, string? accessToken, Func<TimeSpan> left, CancellationToken cancellationToken)
    {
        var targets = DependencyTargets();
        if (targets.Count == 0)
        {
            throw McpGatewayException.ToolNotFound(toolName, "any dependency: the credentials name none", [], []);
        }

        var auth = AuthFor(targets[0].Url, userJwt, accessToken);
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
}
