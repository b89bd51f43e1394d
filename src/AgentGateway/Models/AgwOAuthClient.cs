namespace AgentGateway;

/// <summary>How the module is known to one authorization server (Get-AgwOAuthClient): never the secret, only whether there is one.</summary>
public sealed class AgwOAuthClient
{
    internal AgwOAuthClient(Uri issuer, string? clientId, bool hasClientSecret, Uri? clientMetadataUrl, Uri? redirectUri, IReadOnlyList<string> scopes, TimeSpan signInTimeout)
    {
        Issuer = issuer;
        ClientId = clientId;
        HasClientSecret = hasClientSecret;
        ClientMetadataUrl = clientMetadataUrl;
        RedirectUri = redirectUri;
        Scopes = [.. scopes];
        SignInTimeout = signInTimeout;
    }

    /// <summary>The authorization server's issuer identifier.</summary>
    public Uri Issuer { get; }

    /// <summary>The client id configured for it; null when a metadata document or a registration gives one.</summary>
    public string? ClientId { get; }

    /// <summary>Whether a client secret is set (it is never shown).</summary>
    public bool HasClientSecret { get; }

    /// <summary>The client ID metadata document URL configured for it.</summary>
    public Uri? ClientMetadataUrl { get; }

    /// <summary>The redirect URI registered for the client id; null: a loopback URI.</summary>
    public Uri? RedirectUri { get; }

    /// <summary>Scopes asked for when neither the server's challenge nor its metadata name any.</summary>
    public string[] Scopes { get; }

    /// <summary>How long a sign-in may take.</summary>
    public TimeSpan SignInTimeout { get; }

    /// <summary>Enterprise-managed authorization: the identity provider's token endpoint where the user's token is exchanged for an ID-JAG; null: people sign in.</summary>
    public Uri? IdentityProvider { get; internal init; }

    /// <summary>The client id at the identity provider.</summary>
    public string? IdentityProviderClientId { get; internal init; }

    /// <summary>Whether a client secret at the identity provider is set (it is never shown).</summary>
    public bool HasIdentityProviderClientSecret { get; internal init; }

    /// <summary>Whether a user token provider (a scriptblock) is set.</summary>
    public bool HasUserTokenProvider { get; internal init; }

    /// <summary>How tokens are had from this server: AuthorizationCode (a person signs in), ClientCredentials (the client's own) or EnterpriseManaged (an ID-JAG, with IdentityProvider).</summary>
    public string GrantType { get; internal init; } = "AuthorizationCode";

    /// <summary>The key that signs client assertions, as its algorithm and fingerprint (the first 8 hex digits of the SHA-256 of its public key), e.g. 'RS256 key 1a2b3c4d'; never the key. Null without one.</summary>
    public string? ClientAssertionKey { get; internal init; }

    /// <summary>The audience of the signed client assertions: Issuer or TokenEndpoint; null without a key.</summary>
    public string? ClientAssertionAudience { get; internal init; }

    public override string ToString() => $"{Issuer}: {ClientId ?? ClientMetadataUrl?.ToString() ?? "(registered when needed)"}";
}
