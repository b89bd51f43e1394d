using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// What a caller wants for authentication: the gateway's tokens (a token source, the gateway URL
/// whose origin may receive them, and an optional user JWT), and/or a fixed token, or nothing.
/// Applied to an endpoint by <see cref="ModeFor"/>: the gateway token goes only to the gateway's origin
/// (scheme, host, port); any other endpoint gets the fixed token if given, else no Authorization.
/// <see cref="ToString"/> and <see cref="IdentityFor"/> never reveal a secret.
/// </summary>
internal sealed class McpAuth
{
    private readonly string? _userIdentity;
    private string? _fixedIdentity;

    private McpAuth(IAccessTokenSource? tokenSource, Uri? gatewayUrl, string? userJwt, string? fixedToken, OAuthTokens? signIn = null)
    {
        TokenSource = tokenSource;
        SignInTokens = signIn;
        GatewayUrl = gatewayUrl;
        UserJwt = userJwt;
        FixedToken = fixedToken;

        // The user JWT is hashed once, here, per call: the token source's key finds its token in the cache
        // (every request of the call passes it) and names the pooled session and the listing.
        UserKey = userJwt is null || tokenSource is null ? null : tokenSource.UserKeyOf(userJwt);
        _userIdentity = UserKey is null ? null : "user:" + UserKey;

        // The same JWT is the user's token for enterprise-managed authorization of endpoints with their own authorization server.
        EnterpriseUser = userJwt is null || signIn is null ? null : EnterpriseUser.Of(userJwt);
    }

    /// <summary>No Authorization header on any endpoint.</summary>
    public static McpAuth None { get; } = new(null, null, null, null);

    public IAccessTokenSource? TokenSource { get; }

    /// <summary>The runspace's signed-in tokens, for endpoints that get neither the gateway's tokens nor a fixed token.</summary>
    public OAuthTokens? SignInTokens { get; }

    /// <summary>
    /// This auth, with <paramref name="signIn"/> for every endpoint that gets neither the gateway's tokens nor a fixed
    /// token: such an endpoint that answers 401 leads to discovery and a sign-in (the MCP authorization spec).
    /// </summary>
    public McpAuth WithSignIn(OAuthTokens? signIn) =>
        signIn is null || ReferenceEquals(signIn, SignInTokens) ? this : new McpAuth(TokenSource, GatewayUrl, UserJwt, FixedToken, signIn);

    /// <summary>
    /// No gateway tokens: every endpoint but a local one gets tokens of its own authorization server, with
    /// <paramref name="userJwt"/> as the user's token for enterprise-managed authorization.
    /// </summary>
    public static McpAuth SignInOnly(OAuthTokens signIn, string? userJwt)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        return new McpAuth(null, null, string.IsNullOrWhiteSpace(userJwt) ? null : userJwt.Trim(), null, signIn);
    }

    /// <summary>The user of this call for enterprise-managed authorization (the user JWT, with its fingerprint); null without one.</summary>
    internal EnterpriseUser? EnterpriseUser { get; }

    /// <summary>The gateway URL whose origin receives the token provider's tokens.</summary>
    public Uri? GatewayUrl { get; }

    /// <summary>True when a user JWT is set (the user's exchanged token is used instead of the system token).</summary>
    public bool HasUserJwt => UserJwt is not null;

    internal string? UserJwt { get; }

    /// <summary>The token source's key of <see cref="UserJwt"/> (<see cref="IAccessTokenSource.UserKeyOf"/>), computed once.</summary>
    internal string? UserKey { get; }

    internal string? FixedToken { get; }

    /// <summary>
    /// Tokens of <paramref name="tokenSource"/> for endpoints on the origin of <paramref name="gatewayUrl"/>:
    /// the system token, or the user's when <paramref name="userJwt"/> is given. Endpoints elsewhere
    /// get <paramref name="fixedTokenElsewhere"/> if given, else no Authorization.
    /// </summary>
    public static McpAuth Gateway(IAccessTokenSource tokenSource, Uri gatewayUrl, string? userJwt = null, string? fixedTokenElsewhere = null)
    {
        ArgumentNullException.ThrowIfNull(tokenSource);
        ArgumentNullException.ThrowIfNull(gatewayUrl);
        if (!gatewayUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The gateway URL must be absolute.", nameof(gatewayUrl));
        }

        return new McpAuth(tokenSource, gatewayUrl, string.IsNullOrWhiteSpace(userJwt) ? null : userJwt.Trim(), string.IsNullOrEmpty(fixedTokenElsewhere) ? null : fixedTokenElsewhere);
    }

    /// <summary>The same <paramref name="accessToken"/> for every endpoint (<c>-AccessToken</c>); a 401 is not retried.</summary>
    public static McpAuth Fixed(string accessToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessToken);
        return new McpAuth(null, null, null, accessToken.Trim());
    }

    /// <summary>Which credential goes to <paramref name="endpoint"/>.</summary>
    public McpAuthMode ModeFor(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (McpLocalServer.IsLocal(endpoint))
        {
            // A local (stdio) server gets no token of any kind, and one process serves every caller of its command line.
            return McpAuthMode.None;
        }

        if (TokenSource is not null && GatewayUrl is not null && McpEndpoints.SameOrigin(endpoint, GatewayUrl))
        {
            return McpAuthMode.GatewayToken;
        }

        return FixedToken is not null ? McpAuthMode.FixedToken
            : SignInTokens is not null ? McpAuthMode.SignIn
            : McpAuthMode.None;
    }

    /// <summary>
    /// The token identity that keys pooled sessions for <paramref name="endpoint"/>: <c>system</c>,
    /// <c>user:{the token source's key of the JWT, a SHA-256}</c>, <c>fixed:{sha256 of the token}</c> or
    /// <c>anonymous</c>. Each secret is hashed once per <see cref="McpAuth"/> (one call), however often the pool and the listings ask.
    /// </summary>
    public string IdentityFor(Uri endpoint) => ModeFor(endpoint) switch
    {
        McpAuthMode.GatewayToken => _userIdentity ?? "system",
        McpAuthMode.FixedToken => _fixedIdentity ??= "fixed:" + Sha256Hex(FixedToken!),
        McpAuthMode.SignIn => EnterpriseUser is null ? "signin" : "signin:" + EnterpriseUser.Fingerprint,
        _ => "anonymous",
    };

    /// <summary>
    /// Throws an <see cref="McpGatewayException"/> of kind <see cref="McpErrorKind.InsecureTransport"/> when a token would go to <paramref name="endpoint"/>
    /// over plain http to a non-loopback host.
    /// </summary>
    public void EnsureSafeFor(Uri endpoint)
    {
        // A signed-in token is never sent there: the sign-in refuses such an endpoint, the bearer attaches none.
        if (ModeFor(endpoint) is not (McpAuthMode.None or McpAuthMode.SignIn) && !TransportRule.MaySendBearerTo(endpoint))
        {
            throw McpGatewayException.InsecureTransport(
                $"Refusing to send an access token to '{endpoint.GetLeftPart(UriPartial.Authority)}' over plain http. Use an https URL (plain http is allowed only to localhost).",
                endpoint);
        }
    }

    /// <summary>A short description for verbose output: the identity kind and a fingerprint, never a secret.</summary>
    public string DescribeFor(Uri endpoint) => ModeFor(endpoint) switch
    {
        McpAuthMode.GatewayToken => UserJwt is null ? "system token" : $"user token (user {AccessToken.FingerprintOf(UserJwt)})",
        McpAuthMode.FixedToken => $"given access token {AccessToken.FingerprintOf(FixedToken!)}",
        McpAuthMode.SignIn => SignInTokens!.TokenFor(endpoint, EnterpriseUser) is { } signedIn ? $"signed-in token {signedIn.Fingerprint}" : "no token (sign-in on demand)",
        _ => "no token",
    };

    public override string ToString() =>
        TokenSource is not null
            ? $"gateway tokens for {GatewayUrl?.GetLeftPart(UriPartial.Authority)}{(UserJwt is null ? " (system)" : " (user)")}{(FixedToken is null ? string.Empty : " + fixed token elsewhere")}"
            : FixedToken is not null ? "fixed token" : "none";

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
