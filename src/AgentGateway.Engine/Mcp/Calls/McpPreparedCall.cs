using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// A tool call ready to send: target resolved, arguments built as JSON once and checked against the tool's
/// inputSchema, auth chosen. Made by <see cref="Runspace.RunspaceState.PrepareCallAsync"/>; nothing has gone to the
/// tool yet. <see cref="InvokeAsync"/> sends it (and may be called again: each call is a new tools/call), so a
/// caller can show <see cref="Description"/> and <see cref="Action"/> first (-WhatIf), and keep many prepared
/// calls in flight at once: they share the session's token cache and pooled MCP sessions.
/// </summary>
internal sealed class McpPreparedCall
{
    private readonly Func<McpPreparedCall, IProgress<McpProgress>?, CancellationToken, Task<McpCallResult>> _send;

    internal McpPreparedCall(
        McpTarget target,
        McpAuth auth,
        string toolName,
        McpToolInfo? tool,
        JsonObject arguments,
        TimeSpan? timeout,
        Func<McpPreparedCall, IProgress<McpProgress>?, CancellationToken, Task<McpCallResult>> send)
    {
        Target = target;
        Auth = auth;
        ToolName = toolName;
        Tool = tool;
        Arguments = arguments;
        Timeout = timeout;
        _send = send;
    }

    /// <summary>The tool's name, as sent in tools/call.</summary>
    public string ToolName { get; }

    /// <summary>Where the call goes.</summary>
    public McpTarget Target { get; }

    /// <summary>The listed tool whose inputSchema checked the arguments; null when the check was skipped.</summary>
    public McpToolInfo? Tool { get; }

    /// <summary>The arguments exactly as they are sent (treat as read-only: each send copies it).</summary>
    public JsonObject Arguments { get; }

    /// <summary>
    /// How long sending may take: what preparing left of the request's timeout (or the config's), so that the
    /// listing, the check and the send together stay within it.
    /// </summary>
    public TimeSpan? Timeout { get; }

    /// <summary>How requests of this call are authenticated.</summary>
    public McpAuth Auth { get; }

    /// <summary>What is called, for -WhatIf and confirmation: <c>tool 'echo' on ord/tenant (url)</c>.</summary>
    public string Description => $"tool '{ToolName}' on {Target}";

    /// <summary>What the call does with it, for -WhatIf and confirmation: the arguments as JSON (they hold no secret of ours).</summary>
    public string Action => Arguments.Count == 0 ? "Invoke with no arguments" : $"Invoke with arguments {ArgumentJson.ToText(Arguments)}";

    /// <summary>
    /// Sends tools/call on the pooled session of (endpoint, token identity). A tool failure is a result with
    /// <see cref="McpCallResult.IsError"/>; anything else that fails is an <see cref="McpGatewayException"/>
    /// (or the token service's failure). <paramref name="progress"/> gets the server's progress notifications,
    /// on a background thread.
    /// </summary>
    public Task<McpCallResult> InvokeAsync(IProgress<McpProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _send(this, progress, cancellationToken);

    public override string ToString() => Description;
}
