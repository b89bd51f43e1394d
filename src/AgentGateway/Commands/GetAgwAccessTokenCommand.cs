using System.Management.Automation;
using System.Net;
using System.Security;
using AgentGateway.Engine.Tokens;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Hands out the token the module would send (from the cache, or fetched), for use outside the module.</summary>
[Cmdlet(VerbsCommon.Get, "AgwAccessToken")]
[OutputType(typeof(AgwAccessToken))]
public sealed class GetAgwAccessTokenCommand : AgwCmdlet
{
    /// <summary>The user's JWT to exchange; without it the system token.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>Emit the token as a plain string instead of a SecureString.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void ProcessRecord()
    {
        var userJwt = SecureStringTransformationAttribute.Reveal(UserToken);
        if (userJwt is not null && !TryEngine(() => { JwtReader.ThrowIfNotJwt(userJwt.Trim()); return true; }, null, out _))
        {
            return;
        }

        if (!TryEngine(State.Tokens.GetTokenProvider, null, out var provider) || provider is null)
        {
            return;
        }

        if (TryRunOnPipeline(ct => provider.GetTokenAsync(userJwt, ct).AsTask(), provider.Credentials.TokenServiceUrl, out var token) && token is not null)
        {
            object value = AsPlainText ? token.Value : new NetworkCredential(string.Empty, token.Value).SecurePassword;
            WriteObject(new AgwAccessToken(value, token.Kind, token.ExpiresOn, provider.Credentials.GatewayUrl, token.Fingerprint));
        }
    }
}
