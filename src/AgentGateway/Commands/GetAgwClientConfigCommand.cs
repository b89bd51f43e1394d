using System.Management.Automation;
using AgentGateway.Engine.Configuration;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Shows the client configuration of the current runspace and where credentials would come from.</summary>
[Cmdlet(VerbsCommon.Get, "AgwClientConfig")]
[OutputType(typeof(ClientConfigReport))]
public sealed class GetAgwClientConfigCommand : AgwCmdlet
{
    protected override void EndProcessing()
    {
        if (TryEngine(Session.DescribeConfig, null, out var report))
        {
            WriteObject(report);
        }
    }
}
