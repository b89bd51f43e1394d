using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>A tool as a PowerShell command: its name, its parameters, and the tool (and endpoint) it calls.</summary>
internal sealed record ToolCommand
{
    public required McpToolInfo Tool { get; init; }

    public required ToolCommandName CommandName { get; init; }

    public required IReadOnlyList<ToolParameter> Parameters { get; init; }

    /// <summary>The local (stdio) server the tool came from, when it came from one: the command starts it the same way.</summary>
    public ToolLocalServer? Local { get; init; }

    public string Name => CommandName.Name;

    /// <summary>The tool came from a gateway dependency: the command names its endpoint by ORD id, else by URL (or, from a local server, by its command line).</summary>
    public bool ByOrdId => Tool.OrdId is not null;

    /// <summary>Commands for <paramref name="tools"/>, named by <see cref="ToolCommandNames.Assign"/>.</summary>
    public static IReadOnlyList<ToolCommand> ForTools(
        IReadOnlyList<McpToolInfo> tools, string? prefix, IEnumerable<string> approvedVerbs, Func<string, bool> isTaken, Func<Uri, ToolLocalServer?>? localServerOf = null)
    {
        var names = ToolCommandNames.Assign(tools, prefix, approvedVerbs, isTaken);
        return tools.Select((tool, i) => new ToolCommand
        {
            Tool = tool,
            CommandName = names[i],
            Parameters = ToolParameterMapper.Map(tool.InputSchema),
            Local = localServerOf?.Invoke(tool.Url),
        }).ToArray();
    }

    /// <summary>Where the tool lives, as the help and the module's data name it.</summary>
    public string EndpointText => ByOrdId ? $"ORD id {Tool.OrdId}, endpoint {Tool.Url}" : Local is { } local ? $"local server {local.CommandLine}" : $"endpoint {Tool.Url}";
}

/// <summary>
/// How a tool command starts its local (stdio) server: the command, its arguments and its folder, written into the
/// command as quoted data. Never the environment's values (<see cref="Environment"/> is never written into a script):
/// Import-McpTool keeps them in its module's memory, an exported module has none (the process gets the calling
/// session's environment).
/// </summary>
internal sealed record ToolLocalServer(string Command, IReadOnlyList<string> Arguments, string? WorkingDirectory, string CommandLine, IReadOnlyDictionary<string, string?> Environment);
