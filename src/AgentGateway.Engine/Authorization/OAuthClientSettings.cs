namespace AgentGateway.Engine.Authorization;

/// <summary>
/// How the module is known to one authorization server (set per issuer in the runspace). Client identity, first that
/// applies: <see cref="ClientId"/> (public, or confidential with <see cref="ClientSecret"/>), else
/// <see cref="ClientMetadataUrl"/> (a client ID metadata document) where the server supports them, else dynamic client
/// registration where the server offers it. <see cref="ToString"/> and <see cref="HasClientSecret"/> never show the secret.
/// </summary>
internal sealed record OAuthClientSettings
{
    /// <summary>Default bound of a sign-in (the person's time, apart from the call's timeout).</summary>
    public static readonly TimeSpan DefaultSignInTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The authorization server's issuer identifier, as its metadata names it.</summary>
    public required Uri Issuer { get; init; }

    public string? ClientId { get; init; }

    /// <summary>The client secret of a confidential client; kept in memory only, never shown.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>An https URL of this client's ID metadata document (the URL is the client id).</summary>
    public Uri? ClientMetadataUrl { get; init; }

    /// <summary>The redirect URI registered for <see cref="ClientId"/>; a loopback URI by default.</summary>
    public Uri? RedirectUri { get; init; }

    /// <summary>Scopes to ask for when neither the challenge nor the metadata name any.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>How long a sign-in may take (the person's time, not the call's timeout).</summary>
    public TimeSpan SignInTimeout { get; init; } = DefaultSignInTimeout;

    public bool HasClientSecret => !string.IsNullOrEmpty(ClientSecret);

    /// <summary>
    /// Enterprise-managed authorization: the token endpoint of the enterprise identity provider where the user's token
    /// is exchanged for an ID-JAG (RFC 8693), which this authorization server redeems (jwt-bearer). Null: people sign in.
    /// </summary>
    public Uri? IdentityProvider { get; init; }

    /// <summary>The client id at the identity provider; <see cref="ClientId"/> when not set.</summary>
    public string? IdentityProviderClientId { get; init; }

    /// <summary>The client secret at the identity provider; kept in memory only, never shown.</summary>
    public string? IdentityProviderClientSecret { get; init; }

    /// <summary>
    /// Where the user's token comes from when a call gives none: a provider the cmdlet layer runs (a scriptblock), opaque
    /// to the engine, asked through <see cref="IAuthorizationInteraction.GetUserTokenAsync"/> when a token is needed.
    /// </summary>
    public object? UserTokenProvider { get; init; }

    /// <summary>True when tokens of this authorization server are had by enterprise-managed authorization (no sign-in).</summary>
    public bool IsEnterpriseManaged => IdentityProvider is not null;

    public bool HasIdentityProviderClientSecret => !string.IsNullOrEmpty(IdentityProviderClientSecret);

    /// <summary>How tokens are had from this server: a person's sign-in (the default), or the client's own credentials.</summary>
    public OAuthGrantType GrantType { get; init; } = OAuthGrantType.AuthorizationCode;

    /// <summary>The key that signs client assertions (<c>private_key_jwt</c>) in place of a secret; kept in memory only, never shown.</summary>
    public ClientAssertionKey? AssertionKey { get; init; }

    /// <summary>Whether the assertions' <c>aud</c> is the token endpoint (OpenID Connect Core; some servers want it) rather than the issuer (RFC 7523bis, the default).</summary>
    public bool AssertionAudienceIsTokenEndpoint { get; init; }

    public bool IsClientCredentials => GrantType == OAuthGrantType.ClientCredentials;

    /// <summary>The key settings are kept under: the issuer without a trailing slash.</summary>
    public static string KeyOf(Uri issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return issuer.OriginalString.TrimEnd('/');
    }

    public override string ToString() =>
        $"{Issuer}: client {ClientId ?? ClientMetadataUrl?.ToString() ?? "(registered when needed)"}{(HasClientSecret ? " with a secret" : string.Empty)}{(AssertionKey is null ? string.Empty : $" with {AssertionKey}")}{(IsClientCredentials ? " (client credentials)" : string.Empty)}{(IsEnterpriseManaged ? $", enterprise-managed through {IdentityProvider!.GetLeftPart(UriPartial.Path)}" : string.Empty)}";
}

/// <summary>How a token is had from an MCP server's authorization server.</summary>
internal enum OAuthGrantType
{
    /// <summary>A person signs in (authorization code with PKCE); refreshed with its refresh token.</summary>
    AuthorizationCode,

    /// <summary>The client's own credentials (a secret or a signed assertion), no person (the MCP client credentials extension, SEP-1046).</summary>
    ClientCredentials,
}
