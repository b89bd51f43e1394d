using System.Text.Json;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// The result of one tools/call. Every content block is kept (unknown types as raw JSON);
/// <see cref="Text"/> joins the text blocks; <see cref="Raw"/> is the result exactly as received. The result is
/// held once, as UTF-8 JSON (<see cref="Raw"/>): the text of a block, and <see cref="Text"/>, are made from it
/// when first read (a large result that is never shown is never held as a string too).
/// </summary>
public sealed class McpCallResult
{
    private string? _text;

    public required string Tool { get; init; }

    /// <summary>serverInfo.name of the server that ran the tool.</summary>
    public required string Server { get; init; }

    public required Uri Url { get; init; }

    public string? OrdId { get; init; }

    public string? GlobalTenantId { get; init; }

    /// <summary>True when the tool reported a failure (isError); the content says what.</summary>
    public bool IsError { get; init; }

    /// <summary>All text blocks, joined with a newline (made when first read; one block's text is that block's string).</summary>
    public string Text => _text ??= string.Join('\n', Content.OfType<McpTextContent>().Select(t => t.Text));

    public required IReadOnlyList<McpContent> Content { get; init; }

    public JsonElement? StructuredContent { get; init; }

    /// <summary>The JSON-RPC result object, raw.</summary>
    public JsonElement Raw { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The MCP revision the call was made with.</summary>
    public string? ProtocolVersion { get; init; }

    public override string ToString() => Text;

    /// <summary>Maps a raw tools/call result; malformed or unknown blocks become <see cref="McpUnknownContent"/>, never an exception.</summary>
    public static McpCallResult FromJson(JsonElement raw, string tool, string server, McpTarget target, TimeSpan duration, string? protocolVersion = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var content = new List<McpContent>();
        var isError = false;
        JsonElement? structured = null;

        if (raw.ValueKind == JsonValueKind.Object)
        {
            if (raw.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in blocks.EnumerateArray())
                {
                    content.Add(McpContent.FromJson(block));
                }
            }

            isError = raw.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True;
            if (raw.TryGetProperty("structuredContent", out var s) && s.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                structured = s;
            }
        }

        return new McpCallResult
        {
            ProtocolVersion = protocolVersion,
            Tool = tool,
            Server = server,
            Url = target.Url,
            OrdId = target.Dependency?.OrdId,
            GlobalTenantId = target.Dependency?.GlobalTenantId,
            IsError = isError,
            Content = content,
            StructuredContent = structured,
            Raw = raw,
            Duration = duration,
        };
    }
}

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
    public static McpContent FromJson(JsonElement block)
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
    private protected static string? GetString(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return JsonStrings.Read(value);
    }

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

public sealed class McpTextContent : McpContent
{
    private string? _text;

    internal McpTextContent(JsonElement raw)
        : base("text", raw)
    {
    }

    /// <summary>The text (made from the raw block when first read).</summary>
    public string Text => _text ??= GetString(Raw, "text") ?? string.Empty;

    public override string ToString() => Text;
}

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

/// <summary>An image: its MIME type and base64 data.</summary>
public sealed class McpImageContent : McpMediaContent
{
    internal McpImageContent(string mimeType, JsonElement raw)
        : base("image", mimeType, raw)
    {
    }
}

/// <summary>Audio: its MIME type and base64 data.</summary>
public sealed class McpAudioContent : McpMediaContent
{
    internal McpAudioContent(string mimeType, JsonElement raw)
        : base("audio", mimeType, raw)
    {
    }
}

/// <summary>A link to a resource the client may read.</summary>
public sealed class McpResourceLinkContent : McpContent
{
    internal McpResourceLinkContent(JsonElement raw, string uri)
        : base("resource_link", raw) => Uri = uri;

    public string Uri { get; }

    public string? Name { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public string? MimeType { get; init; }

    public long? Size { get; init; }

    public override string ToString() => $"[resource link {Uri}]";
}

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

/// <summary>A block of a type this client does not know (or a malformed one), kept as raw JSON.</summary>
public sealed class McpUnknownContent : McpContent
{
    internal McpUnknownContent(string type, JsonElement raw)
        : base(type, raw)
    {
    }

    public override string ToString() => Raw.GetRawText();
}
