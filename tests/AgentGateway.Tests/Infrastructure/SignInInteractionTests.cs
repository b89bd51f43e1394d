using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// When the module may have a person sign in without -AuthorizationHandler: pwsh's command line read as pwsh reads it
/// (-NonInteractive down to -noni, before the command or file), and a host without a user interface.
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
}
