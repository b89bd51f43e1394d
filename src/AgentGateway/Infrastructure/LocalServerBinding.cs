using System.Collections;
using System.Management.Automation;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Infrastructure;

/// <summary>
/// -Command, -ArgumentList, -WorkingDirectory and -Environment, as the cmdlets that take -Uri take them instead: the
/// local server of that command line in the runspace (one process per command line, folder and environment).
/// </summary>
internal static class LocalServerBinding
{
    public const string CommandSet = "Command";

    /// <summary>The runspace's local server for these parameters; the folder is the current file-system location when not given.</summary>
    public static McpLocalServer Resolve(AgwCmdlet cmdlet, string command, string[]? argumentList, string? workingDirectory, IDictionary? environment)
    {
        var folder = workingDirectory is null
            ? cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : cmdlet.GetUnresolvedProviderPathFromPSPath(workingDirectory);
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment ?? new Hashtable())
        {
            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            variables[LanguagePrimitives.ConvertTo<string>(entry.Key)] = value is null ? null : LanguagePrimitives.ConvertTo<string>(value);
        }

        return cmdlet.State.Connections.AddLocalServer(new McpLocalServer(command, argumentList ?? [], folder, variables));
    }
}
