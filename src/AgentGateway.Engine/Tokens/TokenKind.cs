namespace AgentGateway.Engine.Tokens;

public enum TokenKind
{
    /// <summary>The agent's own token (client credentials).</summary>
    System,

    /// <summary>A user's token, exchanged from the user's JWT (jwt-bearer grant).</summary>
    User,
}
