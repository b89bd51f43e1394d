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

    /// <summary>
    /// A user's token from an MCP server's own authorization server, had without a sign-in: the user's token at the
    /// enterprise identity provider exchanged there for an ID-JAG, redeemed at the authorization server (jwt-bearer).
    /// </summary>
    EnterpriseManaged,

    /// <summary>
    /// A client's own token from an MCP server's own authorization server (the client credentials grant, with a secret or
    /// a signed assertion; no person): fetched again on a 401 and ahead of expiry.
    /// </summary>
    ClientCredentials,
}
