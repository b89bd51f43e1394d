using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Authorization;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Sets how this module is known to one authorization server of MCP servers outside the gateway (in this runspace, in
/// memory): a client id (public, or with a secret), or a client ID metadata document URL; the redirect URI registered for
/// it, fallback scopes and the bound of a sign-in. Replaces what was set for that issuer.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AgwOAuthClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AgwOAuthClient))]
public sealed class SetAgwOAuthClientCommand : AgwCmdlet
{
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

        var settings = new OAuthClientSettings
        {
            Issuer = Issuer,
            ClientId = string.IsNullOrWhiteSpace(ClientId) ? null : ClientId.Trim(),
            ClientSecret = SecureStringTransformationAttribute.Reveal(ClientSecret),
            ClientMetadataUrl = ClientMetadataUrl,
            RedirectUri = RedirectUri,
            Scopes = Scope ?? [],
            SignInTimeout = SignInTimeoutSec > 0 ? TimeSpan.FromSeconds(SignInTimeoutSec) : OAuthClientSettings.DefaultSignInTimeout,
        };
        if (!ShouldProcess($"OAuth client at {Issuer}", "Set"))
        {
            return;
        }

        if (TryEngine(() => { State.Tokens.SignIns.SetClient(settings); return true; }, Issuer, out _) && PassThru)
        {
            WriteObject(GetAgwOAuthClientCommand.ToOutput(settings));
        }
    }
}
