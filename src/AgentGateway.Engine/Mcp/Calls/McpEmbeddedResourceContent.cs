using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>A resource embedded in the result: text, or a base64 blob.</summary>
public sealed class McpEmbeddedResourceContent : McpContent
{
    private readonly JsonElement _resource;
    private (bool Read, string? Value) _text;
    private (bool Read, string? Value) _blob;

    internal McpEmbeddedResourceContent(JsonElement raw, JsonElement resource, string uri)
        : base("resource", raw)
    {
        _resource = resource;
        Uri = uri;
    }

    public string Uri { get; }

    public string? MimeType { get; init; }

    /// <summary>The resource's text, when it is text (made from the raw block when first read).</summary>
    public string? Text => _text.Read ? _text.Value : (_text = (true, GetString(_resource, "text"))).Value;

    /// <summary>The base64 blob, when the resource is binary (made from the raw block when first read).</summary>
    public string? Blob => _blob.Read ? _blob.Value : (_blob = (true, GetString(_resource, "blob"))).Value;

    public byte[]? GetBytes() => TryDecode(Blob);

    public override string ToString() => Text ?? $"[resource {Uri}]";
}
