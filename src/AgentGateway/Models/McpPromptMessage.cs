using AgentGateway.Engine.Mcp.Calls;

namespace AgentGateway;

/// <summary>One message of a rendered prompt, as Get-McpPromptMessage emits it: role, text, and the content block as sent (an image, an embedded resource).</summary>
public sealed class McpPromptMessage
{
    internal McpPromptMessage(Engine.Mcp.Prompts.McpPromptMessage message) => Message = message;

    /// <summary>The prompt that was rendered.</summary>
    public string PromptName => Message.PromptName;

    /// <summary>The message's position in the prompt, from 0.</summary>
    public int Index => Message.Index;

    /// <summary>user or assistant.</summary>
    public string Role => Message.Role;

    /// <summary>The content block's type: text, image, audio, resource, resource_link.</summary>
    public string Type => Message.Content.Type;

    /// <summary>The text of a text block or of an embedded text resource.</summary>
    public string? Text => Message.Text;

    /// <summary>The content block (McpTextContent, McpImageContent with its bytes, McpEmbeddedResourceContent, ...).</summary>
    public McpContent Content => Message.Content;

    /// <summary>The description the server gave with the rendered prompt, if any.</summary>
    public string? Description => Message.PromptDescription;

    /// <summary>The server's own name (serverInfo.name).</summary>
    public string ServerName => Message.ServerName;

    public Uri Url => Message.Url;

    internal Engine.Mcp.Prompts.McpPromptMessage Message { get; }

    public override string ToString() => Message.ToString();
}
