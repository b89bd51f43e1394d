namespace AgentGateway.Engine.Mcp.Prompts;

/// <summary>One argument of a prompt, as the server lists it.</summary>
public sealed record McpPromptArgument(string Name, string? Title, string? Description, bool Required)
{
    public override string ToString() => Required ? Name : $"[{Name}]";
}
