namespace AgentGateway.Engine.Tokens;

/// <summary>The seam between the provider and the wire: tests put a fake behind it.</summary>
internal interface ITokenFetcher : IDisposable
{
    /// <summary>The overall time a request may take, retries included.</summary>
    TimeSpan Timeout { get; set; }

    /// <summary>A system token when <paramref name="userJwt"/> is null, else the exchange of the user's JWT.</summary>
    Task<TokenResponse> FetchAsync(string? userJwt, CancellationToken cancellationToken);
}
