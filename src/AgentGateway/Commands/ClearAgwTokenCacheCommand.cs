using System.Management.Automation;
using AgentGateway.Engine.Tokens;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Drops the cached tokens of this runspace (and ends its MCP sessions) so that the next call fetches fresh ones;
/// with -Statistics, sets the cache counters to 0 instead and keeps the tokens.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "AgwTokenCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = AllSet)]
[OutputType(typeof(void))]
public sealed class ClearAgwTokenCacheCommand : AgwCmdlet
{
    private const string AllSet = "All";

    /// <summary>Only system tokens.</summary>
    [Parameter(ParameterSetName = "System", Mandatory = true)]
    public SwitchParameter System { get; set; }

    /// <summary>Only user tokens.</summary>
    [Parameter(ParameterSetName = "User", Mandatory = true)]
    public SwitchParameter User { get; set; }

    /// <summary>Only the signed-in token of this MCP endpoint (its next call signs in again, or uses a token of another endpoint of that server).</summary>
    [Parameter(ParameterSetName = "Uri", Mandatory = true)]
    public Uri? Uri { get; set; }

    /// <summary>Resets the counters of Get-AgwTokenCache -Statistics; tokens and sessions stay.</summary>
    [Parameter(ParameterSetName = "Statistics", Mandatory = true)]
    public SwitchParameter Statistics { get; set; }

    protected override void EndProcessing()
    {
        if (Statistics)
        {
            if (ShouldProcess("token cache counters of this runspace", "Reset"))
            {
                State.Tokens.PeekTokenProvider()?.ResetStatistics();
                WriteVerbose("Token cache counters reset; cached tokens and MCP sessions kept.");
            }

            return;
        }

        if (Uri is not null)
        {
            if (ShouldProcess($"signed-in token of {Uri} in this runspace", "Clear"))
            {
                var dropped = State.Tokens.SignIns.Clear(Uri);
                WriteVerbose($"Cleared {dropped} signed-in token(s) of {Uri}.");
            }

            return;
        }

        TokenKind? kind = System ? TokenKind.System : User ? TokenKind.User : null;
        var what = kind is null ? "all cached tokens and MCP sessions" : $"cached {kind.Value.ToString().ToLowerInvariant()} tokens and all MCP sessions";
        if (!ShouldProcess($"{what} of this runspace", "Clear"))
        {
            return;
        }

        TryRunOnPipeline(async ct =>
        {
            await State.ClearTokenCacheAsync(kind).ConfigureAwait(false);
            return true;
        }, null, out _);
        WriteVerbose($"Cleared {what}.");
    }
}
