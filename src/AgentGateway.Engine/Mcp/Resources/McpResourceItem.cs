using System.Text;
using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Resources;

/// <summary>One content item of a resources/read answer: text, or a blob as bytes.</summary>
internal sealed class McpResourceItem
{
    /// <summary>The URI of this item (a read may answer with several, for example the files of a folder).</summary>
    public required string ResourceUri { get; init; }

    public string? MimeType { get; init; }

    /// <summary>The text of a text item; null for a blob.</summary>
    public string? Text { get; init; }

    /// <summary>The bytes of a blob item; null for a text.</summary>
    public byte[]? Blob { get; init; }

    /// <summary>The item's size in bytes (of the text as UTF-8, or of the blob).</summary>
    public long Size => Blob?.LongLength ?? (Text is null ? 0 : Encoding.UTF8.GetByteCount(Text));

    /// <summary>serverInfo.name of the server that answered.</summary>
    public required string ServerName { get; init; }

    /// <summary>The MCP endpoint that answered.</summary>
    public required Uri Url { get; init; }

    public override string ToString() => Text ?? $"[{MimeType ?? "blob"}, {Size} bytes]";

    /// <summary>One entry of a read's contents; an entry with neither text nor a valid base64 blob is a protocol failure of that read.</summary>
    internal static McpResourceItem FromJson(JsonElement entry, string requestedUri, string serverName, Uri endpoint)
    {
        var uri = JsonFields.Text(entry, "uri") ?? requestedUri;
        var text = JsonFields.Text(entry, "text");
        byte[]? blob = null;
        if (text is null)
        {
            var base64 = JsonFields.Text(entry, "blob");
            if (base64 is null)
            {
                throw McpGatewayException.Protocol($"The MCP server at '{endpoint.GetLeftPart(UriPartial.Path)}' answered resources/read of '{requestedUri}' with an item that has neither text nor blob.", endpoint);
            }

            try
            {
                blob = Convert.FromBase64String(base64);
            }
            catch (FormatException e)
            {
                throw McpGatewayException.Protocol($"The MCP server at '{endpoint.GetLeftPart(UriPartial.Path)}' answered resources/read of '{requestedUri}' with a blob that is not base64.", endpoint, e);
            }
        }

        return new McpResourceItem { ResourceUri = uri, MimeType = JsonFields.Text(entry, "mimeType"), Text = text, Blob = blob, ServerName = serverName, Url = endpoint };
    }
}
