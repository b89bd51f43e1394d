using AgentGateway.Engine.Mcp.Resources;

namespace AgentGateway;

/// <summary>One content item of a resource, as Read-McpResource emits it: its text as a string, or its blob as bytes.</summary>
public sealed class McpResourceContent
{
    internal McpResourceContent(McpResourceItem item) => Item = item;

    /// <summary>The item's URI (a read may answer with several items).</summary>
    public string ResourceUri => Item.ResourceUri;

    public string? MimeType => Item.MimeType;

    /// <summary>The size in bytes (of the text as UTF-8, or of the blob).</summary>
    public long Size => Item.Size;

    /// <summary>The text, for a text item.</summary>
    public string? Text => Item.Text;

    /// <summary>The bytes, for a blob item.</summary>
    public byte[]? Blob => Item.Blob;

    /// <summary>Whether the item is a blob (bytes) rather than text.</summary>
    public bool IsBlob => Item.Blob is not null;

    /// <summary>The server's own name (serverInfo.name).</summary>
    public string ServerName => Item.ServerName;

    /// <summary>The MCP endpoint that answered.</summary>
    public Uri Url => Item.Url;

    internal McpResourceItem Item { get; }

    public override string ToString() => Item.ToString();
}
