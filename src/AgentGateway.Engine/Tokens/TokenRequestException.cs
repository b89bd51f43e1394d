namespace AgentGateway.Engine.Tokens;

/// <summary>
/// A token request failed. Carries the HTTP status (null when no response came) and the OAuth
/// <c>error</c>/<c>error_description</c>; never a token, never the user's JWT, at most a short
/// secret-free excerpt of a body that was not OAuth JSON. <see cref="Kind"/> says what went wrong.
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

    internal TokenRequestException(string message, TokenKind kind, Uri? tokenServiceUrl, int? statusCode, string? oauthError, string? oauthErrorDescription, int attempts, Exception? innerException = null)
        : base(message, innerException)
    {
        TokenKind = kind;
        TokenServiceUrl = tokenServiceUrl;
        StatusCode = statusCode;
        OAuthError = oauthError;
        OAuthErrorDescription = oauthErrorDescription;
        Attempts = attempts;
    }

    /// <summary>Which token was asked for: the agent's own (system) or one for a user.</summary>
    public TokenKind TokenKind { get; }

    /// <summary>
    /// What went wrong. Unless set, it follows from the rest: a Polly timeout inside, a TLS cause, else the HTTP
    /// status (none: <see cref="TokenErrorKind.Connection"/>; 400, 401, 403: <see cref="TokenErrorKind.Rejected"/>;
    /// any other: <see cref="TokenErrorKind.Unavailable"/>).
    /// </summary>
    public TokenErrorKind Kind
    {
        get => _kind ?? (InnerException is Polly.Timeout.TimeoutRejectedException ? TokenErrorKind.Timeout
            : TlsCause != Http.TlsFailureCause.None ? TokenErrorKind.Tls
            : StatusCode switch
            {
                null => TokenErrorKind.Connection,
                400 or 401 or 403 => TokenErrorKind.Rejected,
                _ => TokenErrorKind.Unavailable,
            });
        internal init => _kind = value;
    }

    public Uri? TokenServiceUrl { get; }

    /// <summary>The HTTP status of the last response; null for a connection failure or a timeout.</summary>
    public int? StatusCode { get; }

    public string? OAuthError { get; }

    public string? OAuthErrorDescription { get; }

    /// <summary>How many HTTP attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>The proxy that failed the request (never with user info), or null when no proxy did.</summary>
    public Uri? Proxy { get; internal init; }

    /// <summary>The proxy's HTTP status (407: it wants credentials, or refused those given), or null.</summary>
    public int? ProxyStatus { get; internal init; }

    /// <summary>Why the TLS handshake failed: the server's certificate was not trusted, the client certificate was refused, or another reason.</summary>
    public Http.TlsFailureCause TlsCause { get; internal init; }

    private readonly TokenErrorKind? _kind;
}
