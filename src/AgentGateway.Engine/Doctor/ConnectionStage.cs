namespace AgentGateway.Engine.Doctor;

/// <summary>How a stage of a connection check went.</summary>
internal enum StageVerdict
{
    /// <summary>It works.</summary>
    Pass,

    /// <summary>It works, but something needs attention (a certificate about to expire, authorization needed).</summary>
    Warn,

    /// <summary>It does not work; the stages that need it are not run.</summary>
    Fail,

    /// <summary>Not run: it does not apply, or a stage it needs failed.</summary>
    Skip,
}

/// <summary>Why a stage warns or fails when no exception says it (the cmdlet layer turns it into what to do).</summary>
internal enum StageAdvice
{
    None,

    /// <summary>The client certificate has less than the warning period left, or has expired.</summary>
    CertificateExpiring,

    /// <summary>The endpoint wants a token and none was given for it.</summary>
    AuthorizationNeeded,

    /// <summary>A stage it needs failed.</summary>
    FixEarlierStage,
}

/// <summary>
/// One stage of a connection check (<see cref="ConnectionDoctor"/>): what was checked, against what, how it went,
/// how long it took and what was found. Never a token, a user JWT, a key or a certificate body.
/// </summary>
internal sealed record ConnectionStage
{
    /// <summary>What was checked: Credentials, Client certificate, Proxy, Token service DNS, ...</summary>
    public required string Stage { get; init; }

    /// <summary>Against what: a host, a URL, an ORD id, a file.</summary>
    public string? Target { get; init; }

    public required StageVerdict Verdict { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>What was found (or what went wrong), one line.</summary>
    public required string Detail { get; init; }

    /// <summary>The failure, when one was thrown: its error record says what to do.</summary>
    public Exception? Error { get; init; }

    /// <summary>Why it warns or fails when <see cref="Error"/> does not say.</summary>
    public StageAdvice Advice { get; init; }
}

/// <summary>What a connection check covers.</summary>
internal sealed record ConnectionCheckRequest
{
    /// <summary>Only these dependencies (ORD ids, ignoring case); every one when null or empty.</summary>
    public IReadOnlyList<string>? OrdIds { get; init; }

    /// <summary>One MCP endpoint instead of the credentials' gateway: DNS, TCP, TLS, negotiation, authorization.</summary>
    public Uri? Uri { get; init; }

    /// <summary>A user JWT to exchange for a user token (a stage of its own), never shown.</summary>
    public string? UserJwt { get; init; }

    /// <summary>A token for <see cref="Uri"/> off the gateway's origin, never shown.</summary>
    public string? AccessToken { get; init; }

    /// <summary>The most one stage may take; the config's timeout when null.</summary>
    public TimeSpan? Timeout { get; init; }
}
