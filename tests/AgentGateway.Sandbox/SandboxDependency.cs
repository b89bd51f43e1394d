namespace AgentGateway.Sandbox;

/// <summary>An integration dependency the sandbox credentials name.</summary>
/// <param name="OrdId">The ORD id (first path segment after <c>/v1/mcp/</c>).</param>
/// <param name="GlobalTenantId">The global tenant id (second path segment).</param>
/// <param name="ServerName">The MCP <c>serverInfo.name</c> behind it, or null when the server is down.</param>
public sealed record SandboxDependency(string OrdId, string GlobalTenantId, string? ServerName)
{
    /// <summary>How the server behind it keeps sessions (and which revisions it speaks).</summary>
    public SandboxServerKind Kind { get; init; } = SandboxServerKind.Stateful;

    /// <summary>True for the dependency whose server is down (its route answers 503).</summary>
    public bool IsDown => ServerName is null;

    /// <summary>Tuple form, for callers that only need the two ids.</summary>
    public void Deconstruct(out string ordId, out string globalTenantId)
    {
        ordId = OrdId;
        globalTenantId = GlobalTenantId;
    }
}

/// <summary>How a sandbox MCP server keeps sessions, and which protocol revisions it speaks.</summary>
public enum SandboxServerKind
{
    /// <summary>The SDK server with sessions: <c>initialize</c> and <c>Mcp-Session-Id</c>; a 2026-07-28 request is refused with -32022.</summary>
    Stateful,

    /// <summary>The SDK server without sessions: <c>initialize</c> served per request, 2026-07-28 natively.</summary>
    Stateless,

    /// <summary>The SDK server in both modes: sessions for <c>initialize</c> clients, 2026-07-28 clients served statelessly.</summary>
    Mixed,

    /// <summary>
    /// A small hand-written JSON-RPC server that knows one revision: it answers every <c>initialize</c> with it, mints a
    /// session, and answers methods it does not know with an empty result (<c>sandbox-legacy</c>: 2025-03-26;
    /// <c>sandbox-probe-empty</c> and <c>sandbox-probe-malformed</c>: 2025-11-25, and an empty or a malformed
    /// <c>server/discover</c> result; <c>sandbox-probe-status</c>: 2025-11-25, and HTTP 404 to <c>server/discover</c>).
    /// </summary>
    Legacy,
}
