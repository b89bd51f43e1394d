namespace AgentGateway.Engine.Mcp;

/// <summary>How a request to an endpoint is authenticated, once <see cref="Mcp.Transport.McpAuth"/> is applied to it.</summary>
public enum McpAuthMode
{
    /// <summary>No Authorization header.</summary>
    None,

    /// <summary>A token from the token provider (system, or the user's exchanged token); renewed once on 401.</summary>
    GatewayToken,

    /// <summary>A caller-given token (<c>-AccessToken</c>); a 401 is not retried.</summary>
    FixedToken,

    /// <summary>
    /// A token from the server's own authorization server (the MCP authorization spec): the cached one if any; a 401
    /// leads to discovery and a sign-in (or a refresh), then one resend.
    /// </summary>
    SignIn,
}
