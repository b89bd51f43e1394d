using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Authorization;

/// <summary>A sign-in the person (or the caller's handler) must complete: open the URL, come back with the redirected URL.</summary>
/// <param name="AuthorizationUrl">The authorization request (client id, PKCE challenge, state, resource, scope): safe to show, it holds no secret.</param>
/// <param name="RedirectUri">Where the authorization server sends the browser back; the redirected URL starts with it.</param>
/// <param name="Issuer">The authorization server.</param>
/// <param name="Endpoint">The MCP server the token is for.</param>
internal sealed record OAuthSignInRequest(Uri AuthorizationUrl, Uri RedirectUri, Uri Issuer, Uri Endpoint)
{
    /// <summary>The loopback listener waiting for the redirect, when the interaction asked for one (<see cref="IAuthorizationInteraction.UsesLoopbackListener"/>) and the redirect URI is one to listen on.</summary>
    public LoopbackRedirectListener? Listener { get; init; }
}

/// <summary>
/// Who completes a sign-in (authorization code with PKCE) for the call in progress: the cmdlet layer implements it (the
/// caller's -AuthorizationHandler; in an interactive host <see cref="BrowserSignIn"/>: the browser and a loopback listener, or the pasted URL) and sets it with
/// <see cref="AuthorizationInteraction.Use"/>. The engine calls it from a background thread.
/// </summary>
internal interface IAuthorizationInteraction
{
    /// <summary>False when no sign-in can be had here (no handler, a host that cannot prompt): the call fails at once.</summary>
    bool CanSignIn { get; }

    /// <summary>Why <see cref="CanSignIn"/> is false, for the error (what the caller may do).</summary>
    string? WhyNot { get; }

    /// <summary>True when the sign-in should have a loopback listener waiting for the redirect (the browser comes back to it).</summary>
    bool UsesLoopbackListener => false;

    /// <summary>
    /// Has the person authorize <paramref name="request"/> and returns the URL the authorization server redirected to
    /// (holding <c>code</c>, <c>state</c>, <c>iss</c>, or <c>error</c>); null when the person declined.
    /// </summary>
    Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the user token provider set for an authorization server (<see cref="OAuthClientSettings.UserTokenProvider"/>)
    /// and returns the user's token at the identity provider; null when this interaction cannot run it.
    /// </summary>
    Task<string?> GetUserTokenAsync(object provider, OAuthUserTokenRequest request, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>A user token wanted for enterprise-managed authorization: for which authorization server and MCP server.</summary>
/// <param name="Issuer">The MCP server's authorization server.</param>
/// <param name="IdentityProvider">The identity provider's token endpoint the token goes to.</param>
/// <param name="Endpoint">The MCP server the token is for.</param>
internal sealed record OAuthUserTokenRequest(Uri Issuer, Uri IdentityProvider, Uri Endpoint);

/// <summary>The sign-in interaction of the call in progress (ambient, like <see cref="Diagnostics.CallLog"/>).</summary>
internal static class AuthorizationInteraction
{
    private static readonly Ambient<IAuthorizationInteraction> s_current = new();

    public static IAuthorizationInteraction? Current => s_current.Current;

    /// <summary>Sets the interaction for the current async flow until the returned scope is disposed.</summary>
    public static IDisposable Use(IAuthorizationInteraction? interaction) => s_current.Use(interaction);
}
