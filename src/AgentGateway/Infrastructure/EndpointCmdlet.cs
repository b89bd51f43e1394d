using System.Management.Automation;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of the cmdlets that talk to MCP servers: the servers of the gateway (their own Gateway parameter set),
/// one endpoint given by -Uri, or a local server given by -Command (with -ArgumentList, -WorkingDirectory and
/// -Environment), started once per runspace and command line and talked to over stdio.
/// </summary>
public abstract class EndpointCmdlet : AgwCmdlet
{
    protected const string GatewaySet = "Gateway";
    protected const string UriSet = "Uri";
    protected const string CommandSet = LocalServerBinding.CommandSet;

    /// <summary>One MCP endpoint, talked to directly.</summary>
    [Parameter(ParameterSetName = UriSet, Mandatory = true)]
    public Uri? Uri { get; set; }

    /// <summary>A local MCP server to start (once per runspace and command line) and talk to over stdio, instead of -Uri.</summary>
    [Parameter(ParameterSetName = CommandSet, Mandatory = true)]
    public string? Command { get; set; }

    /// <summary>The arguments of -Command.</summary>
    [Parameter(ParameterSetName = CommandSet)]
    public string[]? ArgumentList { get; set; }

    /// <summary>The folder -Command runs in; the current location when not given.</summary>
    [Parameter(ParameterSetName = CommandSet)]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables set for -Command's process (never shown, never written).</summary>
    [Parameter(ParameterSetName = CommandSet)]
    public System.Collections.IDictionary? Environment { get; set; }

    /// <summary>The endpoint of the runspace's local server for -Command (started when it is not running); in the Command set only.</summary>
    private protected Uri LocalEndpoint() => LocalServerBinding.Resolve(this, Command!, ArgumentList, WorkingDirectory, Environment).Endpoint;
}
