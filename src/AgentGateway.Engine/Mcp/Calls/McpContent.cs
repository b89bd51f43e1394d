using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>One content block of a tool result. <see cref="Raw"/> is the block as received.</summary>
public abstract class McpContent
{
    private protected McpContent(string type, JsonElement raw)
    {
        Type = type;
        Raw = raw;
    }

    /// <summary>The block's <c>type</c> (text, image, audio, resource_link, resource, or another).</summary>
    public string Type { get; }

    public JsonElement Raw { get; }

    /// <summary>Maps one block; a block of an unknown type or missing a required field becomes <see cref="McpUnknownContent"/>.</summary>
    internal static McpContent FromJson(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            return new McpUnknownContent(string.Empty, block);
        }

        var type = GetString(block, "type") ?? string.Empty;
        switch (type)
        {
            case "text" when IsString(block, "text"):
                return new McpTextContent(block);
            case "image" or "audio" when IsString(block, "data") && GetString(block, "mimeType") is { } mime:
                return type == "image" ? new McpImageContent(mime, block) : new McpAudioContent(mime, block);
            case "resource_link" when GetString(block, "uri") is { } uri:
                return new McpResourceLinkContent(block, uri)
                {
                    Name = GetString(block, "name"),
                    Title = GetString(block, "title"),
                    Description = GetString(block, "description"),
                    MimeType = GetString(block, "mimeType"),
                    Size = block.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var n) ? n : null,
                };
            case "resource" when block.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object && GetString(resource, "uri") is { } resourceUri:
                return new McpEmbeddedResourceContent(block, resource, resourceUri)
                {
                    MimeType = GetString(resource, "mimeType"),
                };
            default:
                return new McpUnknownContent(type, block);
        }
    }

    private protected static bool IsString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String;

    /// <summary>A string member, or null; one whose escapes are not valid UTF-16 (a lone surrogate) read as sent (<see cref="JsonStrings.Read"/>).</summary>
    private protected static string? GetString(JsonElement obj, string name) => JsonFields.Text(obj, name);

    private protected static byte[]? TryDecode(string? base64)
    {
        if (base64 is null)
        {
            return null;
        }

        var buffer = new byte[base64.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }
}
