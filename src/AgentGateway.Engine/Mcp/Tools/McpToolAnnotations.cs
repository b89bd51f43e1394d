namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>The behaviour hints a tool declares (all optional).</summary>
public sealed record McpToolAnnotations(string? Title, bool? ReadOnlyHint, bool? DestructiveHint, bool? IdempotentHint, bool? OpenWorldHint);
