namespace AgentGateway.Engine.Tokens;

/// <summary>
/// A token request failed. Carries the HTTP status (null when no response came) and the OAuth
/// <c>error</c>/<c>error_description</c>; never a token, never the user's JWT, at most a short
/// secret-free excerpt of a body that was not OAuth JSON.
/// </summary>
public sealed class TokenRequestException : Exception
{
    public TokenRequestException()
    {
    }

    public TokenRequestException(string message)
        : base(message)
    {
    }

    public TokenRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TokenRequestException(string message, TokenKind kind, Uri? tokenServiceUrl, int? statusCode, string? oauthError, string? oauthErrorDescription, int attempts, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        TokenServiceUrl = tokenServiceUrl;
        StatusCode = statusCode;
        OAuthError = oauthError;
        OAuthErrorDescription = oauthErrorDescription;
        Attempts = attempts;
    }

    public TokenKind Kind { get; }

    public Uri? TokenServiceUrl { get; }

    /// <summary>The HTTP status of the last response; null for a connection failure or a timeout.</summary>
    public int? StatusCode { get; }

    public string? OAuthError { get; }

    public string? OAuthErrorDescription { get; }

    /// <summary>How many HTTP attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>
    /// True when the token service answered with a token that was already expired, or inside the expiry
    /// buffer, when it arrived: it was not used (a token is never sent once inside the buffer).
    /// </summary>
    public bool ExpiredOnArrival { get; init; }

    /// <summary>The proxy that failed the request (never with user info), or null when no proxy did.</summary>
    public Uri? Proxy { get; init; }

    /// <summary>The proxy's HTTP status (407: it wants credentials, or refused those given), or null.</summary>
    public int? ProxyStatus { get; init; }

    /// <summary>True when the TLS handshake failed (<see cref="TlsCause"/> says why). Not retried.</summary>
    public bool TlsFailure => TlsCause != Http.TlsFailureCause.None;

    /// <summary>Why the TLS handshake failed: the server's certificate was not trusted, the client certificate was refused, or another reason.</summary>
    public Http.TlsFailureCause TlsCause { get; init; }

    /// <summary>
    /// True when no answer came in time: the configured Timeout ran out (retries included), or the call waiting for
    /// the token ran out of time while the token service had not answered (set by that call).
    /// </summary>
    public bool IsTimeout
    {
        get => _isTimeout || InnerException is Polly.Timeout.TimeoutRejectedException;
        init => _isTimeout = value;
    }

    private readonly bool _isTimeout;
}
