using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the local (stdio) MCP servers of this runspace: command line, whether the process runs, how often it started, its last stderr lines.</summary>
[Cmdlet(VerbsCommon.Get, "McpLocalServer")]
[OutputType(typeof(McpLocalServerInfo))]
public sealed class GetMcpLocalServerCommand : AgwCmdlet
{
    /// <summary>Only servers whose command line matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string[]? CommandLine { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var server in State.Connections.LocalServers.All.OrderBy(s => s.CommandLine, StringComparer.Ordinal))
        {
            if (CommandLine is null || CommandLine.Any(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase).IsMatch(server.CommandLine)))
            {
                WriteObject(new McpLocalServerInfo(server, State.Connections.IsRunning(server), State.Connections.ProtocolVersionOf(server.Endpoint)));
            }
        }
    }
}
