namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>A progress notification of a running tool call.</summary>
internal sealed record McpProgress(double Progress, double? Total, string? Message);
