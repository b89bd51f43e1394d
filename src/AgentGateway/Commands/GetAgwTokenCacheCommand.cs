using System.Management.Automation;
using AgentGateway.Engine.Tokens;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Shows the cached tokens of this runspace (kind, fingerprint, expiry, issuer; never a token): the gateway's system and
/// user tokens and the tokens signed in at MCP servers' own authorization servers; or the gateway cache's counters.
/// </summary>
[Cmdlet(VerbsCommon.Get, "AgwTokenCache", DefaultParameterSetName = EntriesSet)]
[OutputType(typeof(AgwTokenCacheEntry), ParameterSetName = [EntriesSet])]
[OutputType(typeof(AgwTokenCacheStatistics), ParameterSetName = [StatisticsSet])]
public sealed class GetAgwTokenCacheCommand : AgwCmdlet
{
    private const string EntriesSet = "Entries";
    private const string StatisticsSet = "Statistics";

    /// <summary>Only entries of this kind.</summary>
    /// <remarks>Names, not the engine's TokenKind: a parameter of an engine type would load the engine whenever
    /// PowerShell reflects over this cmdlet (Get-Command -Syntax, completion), before any cmdlet needs it.</remarks>
    [Parameter(ParameterSetName = EntriesSet)]
    [ValidateSet(nameof(TokenKind.System), nameof(TokenKind.User), nameof(TokenKind.AuthorizationCode), nameof(TokenKind.EnterpriseManaged), nameof(TokenKind.ClientCredentials))]
    public string[]? Kind { get; set; }

    [Parameter(ParameterSetName = StatisticsSet, Mandatory = true)]
    public SwitchParameter Statistics { get; set; }

    protected override void EndProcessing()
    {
        var provider = State.Tokens.PeekTokenProvider();
        if (Statistics)
        {
            WriteObject(AgwTokenCacheStatistics.From(provider?.GetStatistics() ?? TokenCacheStatistics.Empty));
            return;
        }

        foreach (var entry in (provider?.GetEntries() ?? []).Concat(State.Tokens.SignIns.GetEntries()))
        {
            if (Kind is null || Kind.Contains(entry.Kind.ToString(), StringComparer.OrdinalIgnoreCase))
            {
                WriteObject(AgwTokenCacheEntry.From(entry));
            }
        }
    }
}
