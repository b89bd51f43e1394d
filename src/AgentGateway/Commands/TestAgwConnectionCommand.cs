using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Doctor;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Says where a setup breaks: one row per stage (credentials, client certificate, proxy, token service, tokens,
/// gateway, each dependency; or one endpoint with -Uri, or a local server with -Command), each with its verdict,
/// duration, detail and what to do.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AgwConnection", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(AgwConnectionStage), typeof(bool))]
public sealed class TestAgwConnectionCommand : EndpointCmdlet
{
    /// <summary>Only the dependencies of these ORD ids.</summary>
    [Parameter(ParameterSetName = GatewaySet, Position = 0)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>A token for -Uri off the gateway's origin.</summary>
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>A user's JWT: its exchange for a user token is a stage, and the dependencies are listed as that user.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>The most one stage may take, in seconds; the config's timeout by default.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    /// <summary>Returns $true when no stage failed, else $false, and no rows.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var endpoint = Uri;
        if (ParameterSetName == CommandSet && (!TryEngine(LocalEndpoint, Command, out endpoint) || endpoint is null))
        {
            return;
        }

        var request = new ConnectionCheckRequest
        {
            OrdIds = OrdId,
            Uri = endpoint,
            UserJwt = SecureStringTransformationAttribute.Reveal(UserToken),
            AccessToken = SecureStringTransformationAttribute.Reveal(AccessToken),
            Timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null,
        };
        var doctor = new ConnectionDoctor(State);
        if (!TryRunOnPipeline(
                ct => doctor.RunAsync(request, Quiet ? null : stage => PostToPipeline(() => WriteObject(ToRow(stage))), ct),
                (object?)Command ?? Uri,
                out var stages) || stages is null)
        {
            return;
        }

        if (Quiet)
        {
            WriteObject(stages.All(s => s.Verdict != StageVerdict.Fail));
        }
    }

    private static AgwConnectionStage ToRow(ConnectionStage stage) =>
        new(
            HostText.Line(stage.Stage),
            stage.Target is null ? null : HostText.Line(stage.Target, HostText.QuoteLength),
            stage.Verdict.ToString(),
            stage.Duration,
            HostText.Line(stage.Detail, HostText.MessageLength),
            ActionFor(stage));

    /// <summary>What to do: the error record's recommended action for a failure that was thrown, else the advice of the stage.</summary>
    private static string? ActionFor(ConnectionStage stage)
    {
        if (stage.Verdict is StageVerdict.Pass)
        {
            return null;
        }

        if (stage.Error is { } error && stage.Advice != StageAdvice.AuthorizationNeeded)
        {
            return ErrorRecords.From(error).ErrorDetails?.RecommendedAction;
        }

        return stage.Advice switch
        {
            StageAdvice.CertificateExpiring => "Have the client certificate renewed (its issuer, or the service binding that holds it) and put the new certificate and key in the credentials; the module picks it up at the next token request (Set-AgwClientConfig -CredentialPath reloads at once).",
            StageAdvice.AuthorizationNeeded => "Pass -AccessToken with a token this endpoint accepts (the gateway's tokens go only to the gateway's origin).",
            StageAdvice.FixEarlierStage => "Fix the stage that failed above, then run Test-AgwConnection again.",
            _ => null,
        };
    }
}
