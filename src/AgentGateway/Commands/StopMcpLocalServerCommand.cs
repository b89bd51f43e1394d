using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Stops local (stdio) MCP servers of this runspace: their processes end and the runspace forgets them (a later -Command starts one anew).</summary>
[Cmdlet(VerbsLifecycle.Stop, "McpLocalServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "CommandLine")]
public sealed class StopMcpLocalServerCommand : AgwCmdlet
{
    /// <summary>A server from Get-McpLocalServer.</summary>
    [Parameter(ParameterSetName = "InputObject", Mandatory = true, ValueFromPipeline = true)]
    public McpLocalServerInfo? InputObject { get; set; }

    /// <summary>The servers whose command line matches (wildcards allowed); every one when not given.</summary>
    [Parameter(ParameterSetName = "CommandLine", Position = 0)]
    [SupportsWildcards]
    public string[]? CommandLine { get; set; }

    protected override void ProcessRecord()
    {
        var servers = InputObject is { } piped ? [piped.Server]
            : State.Connections.LocalServers.All.Where(s => CommandLine is null || CommandLine.Any(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase).IsMatch(s.CommandLine))).ToArray();
        foreach (var server in servers)
        {
            if (ShouldProcess(server.CommandLine, "Stop the local MCP server"))
            {
                TryRunOnPipeline(_ => State.Connections.StopLocalServerAsync(server), server.CommandLine, out _);
            }
        }
    }
}
