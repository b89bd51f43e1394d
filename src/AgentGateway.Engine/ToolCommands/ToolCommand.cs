using AgentGateway.Engine.Mcp.Tools;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>A tool as a PowerShell command: its name, its parameters, and the tool (and endpoint) it calls.</summary>
internal sealed record ToolCommand
{
    public required McpToolInfo Tool { get; init; }

    public required ToolCommandName CommandName { get; init; }

    public required IReadOnlyList<ToolParameter> Parameters { get; init; }

    public string Name => CommandName.Name;

    /// <summary>The tool came from a gateway dependency: the command names its endpoint by ORD id, else by URL.</summary>
    public bool ByOrdId => Tool.OrdId is not null;

    /// <summary>Commands for <paramref name="tools"/>, named by <see cref="ToolCommandNames.Assign"/>.</summary>
    public static IReadOnlyList<ToolCommand> ForTools(
        IReadOnlyList<McpToolInfo> tools, string? prefix, IEnumerable<string> approvedVerbs, Func<string, bool> isTaken)
    {
        var names = ToolCommandNames.Assign(tools, prefix, approvedVerbs, isTaken);
        return tools.Select((tool, i) => new ToolCommand
        {
            Tool = tool,
            CommandName = names[i],
            Parameters = ToolParameterMapper.Map(tool.InputSchema),
        }).ToArray();
    }

    /// <summary>Where the tool lives, as the help and the module's data name it.</summary>
    public string EndpointText => ByOrdId ? $"ORD id {Tool.OrdId}, endpoint {Tool.Url}" : $"endpoint {Tool.Url}";
}
