using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Authorization;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Sets how this module is known to one authorization server of MCP servers outside the gateway (in this runspace, in
/// memory): a client id (public, or with a secret), or a client ID metadata document URL; the redirect URI registered for
/// it, fallback scopes and the bound of a sign-in. Replaces what was set for that issuer. With -GrantType
/// ClientCredentials the client gets its own tokens (a secret, or a key that signs client assertions), never a person's sign-in.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AgwOAuthClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AgwOAuthClient))]
public sealed class SetAgwOAuthClientCommand : AgwCmdlet
{
    private const string AuthorizationCodeGrant = "AuthorizationCode";
    private const string ClientCredentialsGrant = "ClientCredentials";

    /// <summary>The authorization server's issuer identifier, as its metadata names it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public Uri? Issuer { get; set; }

    /// <summary>The client id registered at that server.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? ClientId { get; set; }

    /// <summary>The secret of a confidential client (kept in memory only, never shown).</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? ClientSecret { get; set; }

    /// <summary>An https URL of this client's ID metadata document (used where the server accepts them).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Uri? ClientMetadataUrl { get; set; }

    /// <summary>The redirect URI registered for the client id.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Uri? RedirectUri { get; set; }

    /// <summary>Scopes to ask for when neither the server's challenge nor its metadata name any.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Scope { get; set; }

    /// <summary>How long a sign-in may take (the person's time, apart from the call's -TimeoutSec); 300 by default.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public double SignInTimeoutSec { get; set; }

    /// <summary>
    /// Enterprise-managed authorization: the token endpoint of your enterprise identity provider. Tokens of this
    /// authorization server are then had without a sign-in: the user's ID token (-UserToken, -UserTokenProvider) is
    /// exchanged there for an ID-JAG, which this authorization server redeems for an access token.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Uri? IdentityProvider { get; set; }

    /// <summary>The client id at the identity provider (-ClientId when not given).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? IdentityProviderClientId { get; set; }

    /// <summary>The client secret at the identity provider (kept in memory only, never shown).</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? IdentityProviderClientSecret { get; set; }

    /// <summary>The client at the identity provider as a credential: its user name the client id, its password the secret (instead of -IdentityProviderClientId and -IdentityProviderClientSecret).</summary>
    [Parameter]
    [Credential]
    public PSCredential? IdentityProviderCredential { get; set; }

    /// <summary>
    /// Returns the user's ID token (a string or a SecureString) when a call to a server of this authorization server
    /// needs one and the call gives none (-UserToken); run on the calling command's thread, each time a token is fetched.
    /// </summary>
    [Parameter]
    public ScriptBlock? UserTokenProvider { get; set; }

    /// <summary>
    /// How tokens are had from this server: AuthorizationCode (a person signs in; the default) or ClientCredentials (the
    /// client's own credentials: -ClientSecret, -Credential or -ClientAssertionKeyPath; no person, for scripts and CI).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(AuthorizationCodeGrant, ClientCredentialsGrant)]
    public string? GrantType { get; set; }

    /// <summary>The client id (user name) and client secret (password) in one, as SecretManagement's Get-Secret returns a PSCredential.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>A PEM (private key, with or without its certificate) or PFX file whose RSA or EC key signs client assertions (private_key_jwt) in place of a secret; read once, kept in memory only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientAssertionKeyPath { get; set; }

    /// <summary>The password of the PFX file or of an encrypted PEM key.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? ClientAssertionKeyPassword { get; set; }

    /// <summary>The audience (aud) of the signed client assertions: Issuer (the authorization server's issuer identifier, as RFC 7523bis asks; the default) or TokenEndpoint (its token endpoint URL, as OpenID Connect Core's private_key_jwt and some servers want).</summary>
    [Parameter]
    [ValidateSet("Issuer", "TokenEndpoint")]
    public string? ClientAssertionAudience { get; set; }

    /// <summary>Writes the settings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!Issuer!.IsAbsoluteUri)
        {
            WriteError(ErrorRecords.From(new ArgumentException($"The issuer '{Issuer}' is not an absolute URL."), Issuer));
            return;
        }

        if (IdentityProviderCredential is not null && (IdentityProviderClientId is not null || IdentityProviderClientSecret is not null))
        {
            WriteError(ErrorRecords.From(new ArgumentException("Pass -IdentityProviderCredential, or -IdentityProviderClientId and -IdentityProviderClientSecret, not both."), Issuer));
            return;
        }

        if (IdentityProvider is null && (IdentityProviderClientId is not null || IdentityProviderClientSecret is not null || IdentityProviderCredential is not null || UserTokenProvider is not null))
        {
            WriteError(ErrorRecords.From(new ArgumentException("The identity provider's client and a user token provider serve enterprise-managed authorization: pass -IdentityProvider with them."), Issuer));
            return;
        }

        if (IdentityProvider is { IsAbsoluteUri: false })
        {
            WriteError(ErrorRecords.From(new ArgumentException($"The identity provider '{IdentityProvider}' is not an absolute URL."), Issuer));
            return;
        }

        if (Credential is not null && (!string.IsNullOrWhiteSpace(ClientId) || ClientSecret is not null))
        {
            WriteError(ErrorRecords.From(new ArgumentException("-Credential holds the client id and secret: give it without -ClientId and -ClientSecret."), Issuer));
            return;
        }

        var clientId = Credential is { } own ? own.UserName.TrimStart('\\') : ClientId;
        ClientAssertionKey? key = null;
        if (ClientAssertionKeyPath is not null &&
            !TryEngine(() => ClientAssertionKey.Load(GetUnresolvedProviderPathFromPSPath(ClientAssertionKeyPath), SecureStringTransformationAttribute.Reveal(ClientAssertionKeyPassword)), ClientAssertionKeyPath, out key))
        {
            return;
        }

        var settings = new OAuthClientSettings
        {
            Issuer = Issuer,
            ClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId.Trim(),
            ClientSecret = SecureStringTransformationAttribute.Reveal(Credential?.Password ?? ClientSecret),
            GrantType = GrantType == ClientCredentialsGrant ? OAuthGrantType.ClientCredentials : OAuthGrantType.AuthorizationCode,
            AssertionKey = key,
            AssertionAudienceIsTokenEndpoint = ClientAssertionAudience == "TokenEndpoint",
            ClientMetadataUrl = ClientMetadataUrl,
            RedirectUri = RedirectUri,
            Scopes = Scope ?? [],
            SignInTimeout = SignInTimeoutSec > 0 ? TimeSpan.FromSeconds(SignInTimeoutSec) : OAuthClientSettings.DefaultSignInTimeout,
            IdentityProvider = IdentityProvider,
            IdentityProviderClientId = IdentityProviderCredential is { UserName.Length: > 0 } credential ? credential.UserName
                : string.IsNullOrWhiteSpace(IdentityProviderClientId) ? null : IdentityProviderClientId.Trim(),
            IdentityProviderClientSecret = SecureStringTransformationAttribute.Reveal(IdentityProviderCredential?.Password ?? IdentityProviderClientSecret),
            UserTokenProvider = UserTokenProvider,
        };
        if (!ShouldProcess($"OAuth client at {Issuer}", "Set"))
        {
            key?.Dispose();
            return;
        }

        if (!TryEngine(() => { State.Tokens.SignIns.SetClient(settings); return true; }, Issuer, out _))
        {
            key?.Dispose();
        }
        else if (PassThru)
        {
            WriteObject(GetAgwOAuthClientCommand.ToOutput(settings));
        }
    }
}
