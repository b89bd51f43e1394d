using System.Management.Automation;
using AgentGateway.Engine.Configuration;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Turns engine exceptions into ErrorRecords with stable ErrorIds (catalogued in docs/errors.md),
/// a category, the target and a message that says what to do.
/// </summary>
internal static class ErrorRecords
{
    public static ErrorRecord InvalidClientConfig(ClientConfigException exception) =>
        new(exception, "InvalidClientConfig", ErrorCategory.InvalidArgument, exception.Field)
        {
            ErrorDetails = new ErrorDetails($"{exception.Message} The previous configuration stays in force.")
            {
                RecommendedAction = "Run Get-AgwClientConfig to see the values in force, then call Set-AgwClientConfig with values that keep the rule.",
            },
        };
}
