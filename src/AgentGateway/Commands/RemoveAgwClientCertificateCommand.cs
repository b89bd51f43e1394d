using System.Management.Automation;
using AgentGateway.Engine.Credentials;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Removes the client certificate set for an endpoint prefix (exactly that prefix); sessions made with it are closed at the next call.</summary>
[Cmdlet(VerbsCommon.Remove, "AgwClientCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class RemoveAgwClientCertificateCommand : AgwCmdlet
{
    /// <summary>The prefix the certificate was set for (Get-AgwClientCertificate's Uri; pipe its output).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public Uri[]? Uri { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var uri in Uri!)
        {
            Uri prefix;
            try
            {
                prefix = EndpointCertificate.NormalizePrefix(uri);
            }
            catch (ArgumentException e)
            {
                WriteError(ErrorRecords.From(e, uri));
                continue;
            }

            if (ShouldProcess($"client certificate for {prefix}", "Remove"))
            {
                var removed = State.Connections.ClientCertificates.Remove(prefix);
                WriteVerbose(removed is null ? $"No client certificate was set for {prefix}." : $"Client certificate {removed} removed.");
            }
        }
    }
}
