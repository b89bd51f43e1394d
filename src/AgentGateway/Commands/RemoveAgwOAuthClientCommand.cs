using System.Management.Automation;
using AgentGateway.Engine.Authorization;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Removes how this module is known to an authorization server (what Set-AgwOAuthClient set for that issuer); the
/// tokens already had from it stay cached until they expire or Clear-AgwTokenCache drops them.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "AgwOAuthClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class RemoveAgwOAuthClientCommand : AgwCmdlet
{
    /// <summary>The issuers whose settings go (Get-AgwOAuthClient's Issuer; pipe its output).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public Uri[]? Issuer { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var issuer in Issuer!)
        {
            if (ShouldProcess($"OAuth client at {issuer}", "Remove"))
            {
                var removed = State.Tokens.SignIns.RemoveClient(issuer);
                WriteVerbose(removed ? $"The OAuth client settings of {OAuthClientSettings.KeyOf(issuer)} were removed." : $"No OAuth client was set for {OAuthClientSettings.KeyOf(issuer)}.");
            }
        }
    }
}
