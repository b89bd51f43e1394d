using System.Management.Automation;
using AgentGateway.Engine.Mcp.Calls;

namespace AgentGateway.Infrastructure;

/// <summary>One call of Invoke-McpTool, as its outcome is written: what its error names (the piped arguments, or null), its arguments as given, the tool.</summary>
internal sealed record CallItem(object? Target, object? Arguments, string ToolName)
{
    /// <summary>
    /// Writes the call's result; a tool that reported a failure is a non-terminating error carrying it (or the piped
    /// arguments). A result that cannot become PowerShell objects is that call's error, never the batch's end.
    /// </summary>
    public void Write(Cmdlet cmdlet, McpCallResult result)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        ArgumentNullException.ThrowIfNull(result);
        McpToolResult output;
        try
        {
            output = new McpToolResult(result) { Arguments = Arguments };
        }
        catch (Exception e) when (e is not (OutOfMemoryException or PipelineStoppedException or OperationCanceledException))
        {
            cmdlet.WriteError(ErrorRecords.ResultNotConverted(e, Target ?? ToolName, ToolName, result.Server));
            return;
        }

        if (result.IsError)
        {
            cmdlet.WriteError(ErrorRecords.ToolError(Target ?? output, ToolName, result.Text));
            return;
        }

        cmdlet.WriteObject(output);
    }
}
