using System.Management.Automation;
using AgentGateway.Engine.Authorization;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Shows how this module is known to each authorization server set in this runspace (never a secret).</summary>
[Cmdlet(VerbsCommon.Get, "AgwOAuthClient")]
[OutputType(typeof(AgwOAuthClient))]
public sealed class GetAgwOAuthClientCommand : AgwCmdlet
{
    /// <summary>Only these issuers.</summary>
    [Parameter(Position = 0)]
    public Uri[]? Issuer { get; set; }

    protected override void EndProcessing()
    {
        foreach (var settings in State.Tokens.SignIns.Clients)
        {
            if (Issuer is null || Issuer.Any(i => string.Equals(OAuthClientSettings.KeyOf(i), OAuthClientSettings.KeyOf(settings.Issuer), StringComparison.Ordinal)))
            {
                WriteObject(ToOutput(settings));
            }
        }
    }

    internal static AgwOAuthClient ToOutput(OAuthClientSettings settings) =>
        new(settings.Issuer, settings.ClientId, settings.HasClientSecret, settings.ClientMetadataUrl, settings.RedirectUri, settings.Scopes, settings.SignInTimeout)
        {
            IdentityProvider = settings.IdentityProvider,
            IdentityProviderClientId = settings.IdentityProvider is null ? null : settings.IdentityProviderClientId ?? settings.ClientId,
            HasIdentityProviderClientSecret = settings.HasIdentityProviderClientSecret,
            HasUserTokenProvider = settings.UserTokenProvider is not null,
            GrantType = settings.IsEnterpriseManaged ? "EnterpriseManaged" : settings.GrantType.ToString(),
            ClientAssertionKey = settings.AssertionKey?.ToString(),
            ClientAssertionAudience = settings.AssertionKey is null ? null : settings.AssertionAudienceIsTokenEndpoint ? "TokenEndpoint" : "Issuer",
        };
}
