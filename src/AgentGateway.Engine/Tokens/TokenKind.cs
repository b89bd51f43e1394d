namespace AgentGateway.Engine.Tokens;

public enum TokenKind
{
    /// <summary>The agent's own token (client credentials).</summary>
    System,

    /// <summary>A user's token, exchanged from the user's JWT (jwt-bearer grant).</summary>
    User,

    /// <summary>
    /// A person's token from an MCP server's own authorization server: signed in with the authorization code flow
    /// (PKCE), refreshed with its refresh token.
    /// </summary>
    AuthorizationCode,
}
