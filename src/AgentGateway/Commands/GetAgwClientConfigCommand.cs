using System.Globalization;
using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Shows the client configuration of the current runspace and where credentials would come from; warns when the
/// client certificate of the credentials has less than two weeks left.
/// </summary>
[Cmdlet(VerbsCommon.Get, "AgwClientConfig")]
[OutputType(typeof(AgwClientConfig))]
public sealed class GetAgwClientConfigCommand : AgwCmdlet
{
    protected override void EndProcessing()
    {
        if (TryEngine(() => AgwClientConfig.From(State.DescribeConfig()).WithOAuthClients(State.Tokens.SignIns.Clients.Select(GetAgwOAuthClientCommand.ToOutput)).WithEndpointCertificates(GetAgwClientCertificateCommand.All(State.Connections.ClientCertificates)), null, out var report) && report is not null)
        {
            if (report.CertificateExpiresSoon)
            {
                var when = report.CertificateNotAfter!.Value.ToString("u", CultureInfo.InvariantCulture);
                WriteWarning(report.CertificateDaysLeft < 0
                    ? $"The client certificate of the credentials ({report.CertificateSubject}, from {report.CredentialLocation}) expired on {when}."
                    : $"The client certificate of the credentials ({report.CertificateSubject}, from {report.CredentialLocation}) expires on {when}, in {report.CertificateDaysLeft} day(s): renew it before then.");
            }

            WriteObject(report);
        }
    }
}
