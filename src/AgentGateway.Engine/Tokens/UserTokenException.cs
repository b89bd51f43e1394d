namespace AgentGateway.Engine.Tokens;

/// <summary>A user token (-UserToken) that is not a JWT; refused before any request. The message never holds the value.</summary>
public sealed class UserTokenException : ArgumentException
{
    public UserTokenException()
    {
    }

    public UserTokenException(string message)
        : base(message)
    {
    }

    public UserTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
