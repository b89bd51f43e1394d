using System.Management.Automation;
using AgentGateway.Engine.Credentials;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Shows the client certificates configured for MCP endpoints in this runspace (never a key or a password); with -Uri, the one each endpoint would get.</summary>
[Cmdlet(VerbsCommon.Get, "AgwClientCertificate")]
[OutputType(typeof(AgwClientCertificate))]
public sealed class GetAgwClientCertificateCommand : AgwCmdlet
{
    /// <summary>Only the certificate presented to these endpoints (the longest prefix that covers each).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public Uri[]? Uri { get; set; }

    protected override void ProcessRecord()
    {
        var current = State.Connections.ClientCertificates.Current;
        if (Uri is null)
        {
            foreach (var binding in current.Bindings)
            {
                WriteObject(ToOutput(binding));
            }

            return;
        }

        foreach (var endpoint in Uri)
        {
            if (endpoint.IsAbsoluteUri && current.Match(endpoint) is { } binding)
            {
                WriteObject(ToOutput(binding));
            }
        }
    }

    internal static AgwClientCertificate[] All(EndpointCertificates certificates) => [.. certificates.Current.Bindings.Select(ToOutput)];

    internal static AgwClientCertificate ToOutput(EndpointCertificate binding)
    {
        var notAfter = new DateTimeOffset(binding.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return new AgwClientCertificate(
            binding.Prefix,
            binding.Certificate.Subject,
            binding.Certificate.Issuer,
            binding.Certificate.Thumbprint,
            binding.Fingerprint,
            notAfter,
            (int)Math.Floor((notAfter - DateTimeOffset.UtcNow).TotalDays),
            binding.SourceKind.ToString(),
            binding.Source);
    }
}
