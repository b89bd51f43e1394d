using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Security;
using AgentGateway.Engine.Authorization;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// When the module may have a person sign in without -AuthorizationHandler: pwsh's command line read as pwsh reads it
/// (-NonInteractive down to -noni, before the command or file), and a host without a user interface. And what a
/// cmdlet does then, in a real runspace with a host that records what it is given: the browser and the loopback
/// listener, or the URL shown and the redirected URL read with ReadLineAsSecureString (never written back).
/// </summary>
public sealed class SignInInteractionTests
{
    [Theory]
    [InlineData(new[] { "pwsh.dll", "-NoProfile", "-NonInteractive", "-c", "x" }, true)]
    [InlineData(new[] { "pwsh", "-noni", "-File", "x.ps1" }, true)]
    [InlineData(new[] { "pwsh", "--noninteractive" }, true)]
    [InlineData(new[] { "pwsh", "-ExecutionPolicy", "Bypass", "/NonInteractive" }, true)]
    [InlineData(new[] { "pwsh", "-non" }, false)]
    [InlineData(new[] { "pwsh", "-NoProfile" }, false)]
    [InlineData(new[] { "pwsh", "-Command", "Get-Thing", "-NonInteractive" }, false)]
    [InlineData(new[] { "pwsh", "-f", "x.ps1", "-NonInteractive" }, false)]
    [InlineData(new[] { "-NonInteractive" }, false)]
    public void Reads_NonInteractive_from_pwsh_s_own_arguments_only(string[] commandLine, bool expected) =>
        Assert.Equal(expected, SignInInteraction.StartedNonInteractive(commandLine));

    [Fact]
    public void An_in_process_host_without_a_user_interface_cannot_prompt()
    {
        using var ps = PowerShell.Create();
        var host = ps.AddScript("$Host").Invoke()[0].BaseObject as System.Management.Automation.Host.PSHost;

        Assert.Equal("this host cannot prompt", SignInInteraction.WhyHostCannotPrompt(host, ["pwsh"]));
        Assert.Equal("this host cannot prompt", SignInInteraction.WhyHostCannotPrompt(null, ["pwsh"]));
    }

    [Fact]
    public void Where_no_browser_opens_the_cmdlet_shows_the_URL_and_reads_the_redirected_URL_without_echo()
    {
        const string Pasted = "http://127.0.0.1:5000/callback?code=the-code&state=s1";
        var host = new RecordingHost { Pasted = Pasted };
        var request = new OAuthSignInRequest(new Uri("https://login.example.com/authorize?client_id=c&state=s1"), new Uri("http://127.0.0.1:5000/callback"), new Uri("https://login.example.com/"), new Uri("https://mcp.example.com/mcp"));

        var (canSignIn, redirected) = Run(host, new TestBrowser { WhyNot = "no display (DISPLAY is not set)" }, request);

        Assert.True(canSignIn);
        Assert.Equal(new Uri(Pasted), redirected);
        Assert.Equal(1, host.SecureReads);
        var shown = host.Written.ToString();
        Assert.Contains("https://login.example.com/authorize?client_id=c&state=s1", shown, StringComparison.Ordinal);
        Assert.Contains("no display", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("the-code", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_browser_the_cmdlet_waits_on_the_loopback_listener_and_says_so()
    {
        var host = new RecordingHost();
        using var listener = LoopbackRedirectListener.Start(new Uri("http://127.0.0.1/callback"), "s2");
        var request = new OAuthSignInRequest(new Uri("https://login.example.com/authorize?state=s2"), listener.RedirectUri, new Uri("https://login.example.com/"), new Uri("https://mcp.example.com/mcp")) { Listener = listener };
        var browser = new TestBrowser { Then = () => new Uri(listener.RedirectUri, "?code=c2&state=s2") };

        var (_, redirected) = Run(host, browser, request);

        Assert.Equal("c2", OAuthFlow.Query(redirected!)["code"]);
        Assert.Equal(0, host.SecureReads);
        Assert.Contains("browser just opened", host.Written.ToString(), StringComparison.Ordinal);
        Assert.Contains(listener.RedirectUri.AbsoluteUri, host.Written.ToString(), StringComparison.Ordinal);
    }

    private static (bool CanSignIn, Uri? Redirected) Run(RecordingHost host, IBrowserLauncher browser, OAuthSignInRequest request)
    {
        var state = InitialSessionState.CreateDefault();
        state.Commands.Add(new SessionStateCmdletEntry("Invoke-TestSignIn", typeof(InvokeTestSignInCommand), null));
        using var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        var output = ps.AddCommand("Invoke-TestSignIn").AddParameter("Browser", browser).AddParameter("Request", request).Invoke();
        Assert.Empty(ps.Streams.Error);
        return ((bool)output[0].BaseObject, output[1]?.BaseObject as Uri);
    }

    private sealed class TestBrowser : IBrowserLauncher
    {
        public string? WhyNot { get; init; }

        public Func<Uri>? Then { get; init; }

        public Task<string?> OpenAsync(Uri url, CancellationToken cancellationToken)
        {
            if (WhyNot is null && Then is not null)
            {
                _ = Task.Run(async () =>
                {
                    using var http = new HttpClient();
                    using var response = await http.GetAsync(Then());
                });
            }

            return Task.FromResult(WhyNot);
        }
    }

    /// <summary>A host that can prompt: records what it is given to show; ReadLineAsSecureString returns <see cref="Pasted"/>.</summary>
    private sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui;

        public RecordingHost() => _ui = new RecordingUI(this);

        public string Pasted { get; init; } = string.Empty;

        public int SecureReads { get; set; }

        public System.Text.StringBuilder Written { get; } = new();

        public override string Name => "TestHost";

        public override Version Version => new(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode)
        {
        }
    }

    private sealed class RecordingUI(RecordingHost host) : PSHostUserInterface
    {
        public override PSHostRawUserInterface? RawUI => null;

        public override string ReadLine() => throw new NotSupportedException("echoed input is never read for a sign-in");

        public override SecureString ReadLineAsSecureString()
        {
            host.SecureReads++;
            return new NetworkCredential(string.Empty, host.Pasted).SecurePassword;
        }

        public override void Write(string value) => host.Written.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => host.Written.Append(value);

        public override void WriteLine(string value) => host.Written.AppendLine(value);

        public override void WriteErrorLine(string value) => host.Written.AppendLine(value);

        public override void WriteDebugLine(string message)
        {
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message)
        {
        }

        public override void WriteWarningLine(string message) => host.Written.AppendLine(message);

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException();
    }
}

/// <summary>Runs a sign-in interaction as a cmdlet without -AuthorizationHandler would: writes CanSignIn, then the redirected URL.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "TestSignIn")]
public sealed class InvokeTestSignInCommand : AgwCmdlet
{
    [Parameter(Mandatory = true)]
    public object? Browser { get; set; }

    [Parameter(Mandatory = true)]
    public object? Request { get; set; }

    protected override void ProcessRecord()
    {
        var interaction = SignInInteraction.For(this, null, (IBrowserLauncher)Browser!);
        WriteObject(interaction.CanSignIn);
        WriteObject(RunOnPipeline(ct => interaction.AuthorizeAsync((OAuthSignInRequest)Request!, ct)));
    }
}
