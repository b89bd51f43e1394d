using System.Globalization;
using System.Management.Automation;
using AgentGateway.Engine.Mcp.Calls;

namespace AgentGateway.Infrastructure;

/// <summary>Progress records of the module's cmdlets (AgwCmdlet.WriteProgress makes their text fit for a terminal).</summary>
internal static class ProgressRecords
{
    /// <summary>A server's progress notification during a call; a new record each time: the host may keep the records it was given.</summary>
    public static ProgressRecord Of(string activity, McpProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var record = new ProgressRecord(2, activity, string.IsNullOrEmpty(progress.Message) ? progress.Progress.ToString(CultureInfo.InvariantCulture) : progress.Message);
        if (progress.Total is > 0 and var total)
        {
            record.PercentComplete = (int)Math.Clamp(progress.Progress * 100 / total, 0, 100);
        }

        return record;
    }
}
