namespace AgentGateway.Engine.Authorization;

/// <summary>What went wrong while a token for an MCP server's own authorization server was had.</summary>
public enum OAuthErrorKind
{
    /// <summary>The server's protected resource metadata or its authorization server's metadata could not be found or read.</summary>
    Discovery,

    /// <summary>The protected resource metadata names another resource than the server asked (RFC 9728 section 3.3): refused.</summary>
    ResourceMismatch,

    /// <summary>An authorization server endpoint (or the resource a token would go to) is plain http to a non-loopback host: nothing was sent.</summary>
    InsecureEndpoint,

    /// <summary>A person must sign in, and no way to ask one was given (no handler, a host that cannot prompt).</summary>
    SignInRequired,

    /// <summary>The authorization response failed a check: state, issuer (RFC 9207), a missing code.</summary>
    InvalidResponse,

    /// <summary>The authorization server refused (an <c>error</c> on the authorization response, or a token endpoint error).</summary>
    Refused,

    /// <summary>The sign-in did not finish within its own bound.</summary>
    TimedOut,

    /// <summary>No client identity could be had: none configured, no client ID metadata document, no registration offered.</summary>
    NoClient,

    /// <summary>A 403 insufficient_scope was still answered after the bounded number of wider sign-ins.</summary>
    InsufficientScope,

    /// <summary>Enterprise-managed authorization, step 1: the identity provider refused the token exchange for an ID-JAG (or could not be reached, or answered without one).</summary>
    IdentityProviderRefused,

    /// <summary>Enterprise-managed authorization, step 2: the MCP server's authorization server refused the ID-JAG (the jwt-bearer grant).</summary>
    AssertionRefused,

    /// <summary>Enterprise-managed authorization is set for the authorization server, and no user token was given (none with the call, no provider set).</summary>
    UserTokenMissing,

    /// <summary>The authorization server refused the client credentials grant (a wrong secret or key, a client not allowed the grant or scope).</summary>
    ClientCredentialsRefused,

    /// <summary>The key file for signed client assertions cannot be used (missing, unreadable, no RSA/EC private key, a wrong password).</summary>
    ClientAssertionKey,
}

/// <summary>
/// A failure to get a token from an MCP server's authorization server (discovery, sign-in, token request). The
/// message says what happened and names the server; it never holds a token, code, verifier or secret.
/// </summary>
public sealed class OAuthException : Exception
{
    public OAuthException()
        : this(OAuthErrorKind.Discovery, "Authorization failed.", null, null)
    {
    }

    public OAuthException(string message)
        : this(OAuthErrorKind.Discovery, message, null, null)
    {
    }

    public OAuthException(string message, Exception? innerException)
        : this(OAuthErrorKind.Discovery, message, null, innerException)
    {
    }

    public OAuthException(OAuthErrorKind kind, string message, Uri? endpoint, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Endpoint = endpoint;
    }

    public OAuthErrorKind Kind { get; }

    /// <summary>The MCP endpoint whose token was sought.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The authorization server (its issuer), when known.</summary>
    public Uri? Issuer { get; init; }

    /// <summary>The OAuth <c>error</c> code the authorization server answered, when it did.</summary>
    public string? OAuthError { get; init; }
}
