using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// Thrown by the 401 policy when only a person can help (no token to renew, none to refresh, or a 403 asking for a
/// wider scope): the MCP operation that sent the request signs in (its timeout stopped: that time is the person's)
/// and resends once. Carries the challenge; no secret.
/// </summary>
internal sealed class SignInNeededException : Exception
{
    public SignInNeededException()
        : this("A sign-in is needed.")
    {
    }

    public SignInNeededException(string message)
        : this(message, null)
    {
    }

    public SignInNeededException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Challenge = new OAuthChallenge(401, false, null, null, null);
    }

    public SignInNeededException(Uri endpoint, OAuthChallenge challenge, AccessToken? rejected)
        : base($"The MCP server at '{OAuthDiscovery.Where(endpoint)}' asks for a sign-in (HTTP {challenge?.Status}).")
    {
        ArgumentNullException.ThrowIfNull(challenge);
        Endpoint = endpoint;
        Challenge = challenge;
        Rejected = rejected;
    }

    public Uri? Endpoint { get; }

    public OAuthChallenge Challenge { get; }

    /// <summary>The token the server refused, if one was sent.</summary>
    public AccessToken? Rejected { get; }

    /// <summary>The sign-in request among <paramref name="e"/> and its inner exceptions, if any.</summary>
    public static SignInNeededException? Find(Exception? e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SignInNeededException needed)
            {
                return needed;
            }

            if (inner is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
            {
                return Find(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }
}
