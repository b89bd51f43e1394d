using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Credentials;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Sets the client certificate presented to the MCP endpoints under one URL prefix (in this runspace, in memory): a PEM
/// certificate and key (the key optionally encrypted), a PFX with its password, or a certificate of the user's store by
/// thumbprint. It is checked as the gateway's is (validity, client-authentication usage, private key) and replaces what
/// was set for that prefix; sessions made before are closed at the next call.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AgwClientCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PemSet)]
[OutputType(typeof(AgwClientCertificate))]
public sealed class SetAgwClientCertificateCommand : AgwCmdlet
{
    private const string PemSet = "Pem";
    private const string PfxSet = "Pfx";
    private const string StoreSet = "Thumbprint";

    /// <summary>The endpoint prefix: https, host, port and a path; the certificate goes to that path and the paths below it, on that origin only.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public Uri? Uri { get; set; }

    /// <summary>A PEM file with the certificate (intermediates may follow it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemSet, ValueFromPipelineByPropertyName = true)]
    public string? CertificatePath { get; set; }

    /// <summary>A PEM file with its private key (PKCS#8, PKCS#1 or SEC1; or encrypted PKCS#8 with -KeyPassword).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PemSet, ValueFromPipelineByPropertyName = true)]
    public string? KeyPath { get; set; }

    /// <summary>The password of an encrypted key: a SecureString or a PSCredential (its password), as Get-Secret returns them.</summary>
    [Parameter(ParameterSetName = PemSet)]
    [SecureStringTransformation]
    public SecureString? KeyPassword { get; set; }

    /// <summary>A PFX (PKCS#12) file with the certificate and its key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PfxSet, ValueFromPipelineByPropertyName = true)]
    public string? PfxPath { get; set; }

    /// <summary>The password of the PFX: a SecureString or a PSCredential (its password).</summary>
    [Parameter(ParameterSetName = PfxSet)]
    [SecureStringTransformation]
    public SecureString? Password { get; set; }

    /// <summary>The SHA-1 thumbprint of a certificate with its key in the current user's store (Cert:\CurrentUser\My; on Linux and macOS, .NET's store of that name).</summary>
    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    public string? Thumbprint { get; set; }

    /// <summary>Writes the certificate as configured.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Uri prefix;
        try
        {
            prefix = EndpointCertificate.NormalizePrefix(Uri!);
        }
        catch (ArgumentException e)
        {
            WriteError(ErrorRecords.From(e, Uri));
            return;
        }

        var what = ParameterSetName switch
        {
            PfxSet => $"client certificate from '{PfxPath}' for {prefix}",
            StoreSet => $"client certificate {Thumbprint} of the user's store for {prefix}",
            _ => $"client certificate from '{CertificatePath}' for {prefix}",
        };
        if (!ShouldProcess(what, "Set"))
        {
            return;
        }

        var target = (object?)PfxPath ?? (object?)Thumbprint ?? CertificatePath;
        if (TryEngine(Load, target, out var binding) && binding is not null)
        {
            State.Connections.ClientCertificates.Set(binding);
            WriteVerbose($"Client certificate {binding} set; sessions made before are closed at the next call.");
            if (PassThru)
            {
                WriteObject(GetAgwClientCertificateCommand.ToOutput(binding));
            }
        }

        EndpointCertificate Load()
        {
            var now = DateTimeOffset.UtcNow;
            return ParameterSetName switch
            {
                PfxSet => EndpointCertificateLoader.FromPfx(prefix, GetUnresolvedProviderPathFromPSPath(PfxPath), SecureStringTransformationAttribute.Reveal(Password), now),
                StoreSet => EndpointCertificateLoader.FromStore(prefix, Thumbprint!, now),
                _ => EndpointCertificateLoader.FromPem(prefix, GetUnresolvedProviderPathFromPSPath(CertificatePath), GetUnresolvedProviderPathFromPSPath(KeyPath), SecureStringTransformationAttribute.Reveal(KeyPassword), now),
            };
        }
    }
}
