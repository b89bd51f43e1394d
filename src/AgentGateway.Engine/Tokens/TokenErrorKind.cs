namespace AgentGateway.Engine.Tokens;

/// <summary>What went wrong with a token request, so that the cmdlet layer can choose an ErrorId, a category and a recommended action.</summary>
public enum TokenErrorKind
{
    /// <summary>No answer: the connection could not be made or broke (<see cref="TokenRequestException.StatusCode"/> is null).</summary>
    Connection,

    /// <summary>The token service refused the request: HTTP 400, 401 or 403 (the client, its certificate, the user's JWT; the OAuth error says which).</summary>
    Rejected,

    /// <summary>The token service failed or is throttling (408, 429, 5xx, any other status), or answered without a token.</summary>
    Unavailable,

    /// <summary>The TLS handshake failed (<see cref="TokenRequestException.TlsCause"/> says why). Not retried.</summary>
    Tls,

    /// <summary>
    /// No answer in time: the configured timeout ran out (retries included), or the call waiting for the token ran out of
    /// time while the token service had not answered.
    /// </summary>
    Timeout,

    /// <summary>
    /// The token service answered with a token that was already expired, or inside the expiry buffer, when it arrived:
    /// it was not used (a token is never sent once inside the buffer).
    /// </summary>
    ExpiredOnArrival,
}
