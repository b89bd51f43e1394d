using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Infrastructure;

namespace AgentGateway;

/// <summary>The result of one tool call, as Invoke-McpTool emits it. Every content block is kept.</summary>
public sealed class McpToolResult
{
    internal McpToolResult(Engine.Mcp.Calls.McpCallResult result)
    {
        Result = result;
        StructuredContent = PowerShellJson.ToPowerShell(result.StructuredContent);
    }

    public string Tool => Result.Tool;

    public string Server => Result.Server;

    public string? OrdId => Result.OrdId;

    public Uri Url => Result.Url;

    /// <summary>True when the tool reported a failure (isError); Invoke-McpTool then writes an error carrying this object.</summary>
    public bool IsError => Result.IsError;

    /// <summary>Every text block, joined by new lines.</summary>
    public string Text => Result.Text;

    /// <summary>Every content block: text, image, audio, resource link, embedded resource, or unknown (raw JSON).</summary>
    public IReadOnlyList<McpContent> Content => Result.Content;

    /// <summary>The structured content as PowerShell objects, when the tool returned some.</summary>
    public object? StructuredContent { get; }

    /// <summary>The whole result as the server sent it (JSON text).</summary>
    public string Raw => Result.Raw.GetRawText();

    public TimeSpan Duration => Result.Duration;

    /// <summary>The arguments the call was made with, as given: the -Arguments value or the piped hashtable or object (an Import-Csv row).</summary>
    public object? Arguments { get; internal init; }

    /// <summary>The MCP revision the call was made with (for example 2025-11-25, or 2026-07-28 without a session).</summary>
    public string? ProtocolVersion => Result.ProtocolVersion;

    internal Engine.Mcp.Calls.McpCallResult Result { get; }

    public override string ToString() => Result.Text;
}
