using AgentGateway.Engine.Mcp.Calls;

namespace AgentGateway.Engine.Mcp.Prompts;

/// <summary>One message of a rendered prompt: its role and its content block (text, image, audio, an embedded resource or a link kept as sent).</summary>
internal sealed class McpPromptMessage
{
    /// <summary>The prompt that was rendered.</summary>
    public required string PromptName { get; init; }

    /// <summary>The description the server gave with the rendered prompt, if any.</summary>
    public string? PromptDescription { get; init; }

    /// <summary>user or assistant.</summary>
    public required string Role { get; init; }

    /// <summary>The message's position in the rendered prompt, from 0.</summary>
    public int Index { get; init; }

    public required McpContent Content { get; init; }

    /// <summary>The text of a text block, or of an embedded text resource; null for others.</summary>
    public string? Text => Content switch
    {
        McpTextContent text => text.Text,
        McpEmbeddedResourceContent resource => resource.Text,
        _ => null,
    };

    public required string ServerName { get; init; }

    public required Uri Url { get; init; }

    public override string ToString() => Text ?? Content.ToString() ?? string.Empty;
}
