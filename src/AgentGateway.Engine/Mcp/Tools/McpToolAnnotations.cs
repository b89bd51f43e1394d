namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>The behaviour hints a tool declares (all optional).</summary>
public sealed record McpToolAnnotations(string? Title, bool? ReadOnlyHint, bool? DestructiveHint, bool? IdempotentHint, bool? OpenWorldHint)
{
    /// <summary>The hints declared, as "ReadOnlyHint=True, OpenWorldHint=False" (what a list of a tool's properties shows).</summary>
    public override string ToString() => string.Join(", ", new[]
    {
        Title is null ? null : $"Title={Title}",
        ReadOnlyHint is { } readOnly ? $"ReadOnlyHint={readOnly}" : null,
        DestructiveHint is { } destructive ? $"DestructiveHint={destructive}" : null,
        IdempotentHint is { } idempotent ? $"IdempotentHint={idempotent}" : null,
        OpenWorldHint is { } openWorld ? $"OpenWorldHint={openWorld}" : null,
    }.Where(hint => hint is not null));
}
