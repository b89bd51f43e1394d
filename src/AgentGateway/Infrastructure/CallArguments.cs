using System.Management.Automation;

namespace AgentGateway.Infrastructure;

/// <summary>Invoke-McpTool's -Arguments (given or piped) as the engine takes them.</summary>
internal static class CallArguments
{
    /// <summary>The arguments as a string-keyed dictionary of plain .NET values (null for none); anything else is refused.</summary>
    public static IReadOnlyDictionary<string, object?>? From(object? arguments)
    {
        if ((arguments is PSObject wrapped ? wrapped.BaseObject : arguments) is McpTool)
        {
            throw new ArgumentException("A tool from Get-McpTool was piped with -Name: pipe tools without -Name (Get-McpTool echo | Invoke-McpTool), or pipe the arguments of each call with -Name.");
        }

        var plain = PowerShellJson.FromPowerShell(arguments);
        return plain switch
        {
            null => null,
            Dictionary<string, object?> dictionary => dictionary,
            _ => throw new ArgumentException($"-Arguments takes a hashtable, an ordered dictionary or a PSCustomObject, not {arguments!.GetType().Name}."),
        };
    }
}
