using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>A block of base64 data with its MIME type (an image or audio); <see cref="GetBytes"/> decodes it.</summary>
public abstract class McpMediaContent : McpContent
{
    private string? _data;

    private protected McpMediaContent(string type, string mimeType, JsonElement raw)
        : base(type, raw)
    {
        MimeType = mimeType;
    }

    public string MimeType { get; }

    /// <summary>The base64 data as sent (made from the raw block when first read).</summary>
    public string Data => _data ??= GetString(Raw, "data") ?? string.Empty;

    /// <summary>The decoded bytes, or null when the data is not valid base64.</summary>
    public byte[]? GetBytes() => TryDecode(Data);

    public override string ToString() => $"[{Type} {MimeType}, {(Raw.TryGetProperty("data", out var data) ? data.GetRawText().Length - 2 : 0)} base64 chars]";
}
