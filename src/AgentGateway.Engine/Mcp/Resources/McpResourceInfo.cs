using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Resources;

/// <summary>
/// One resource or resource template as a server lists it, with where it lives (<see cref="McpListedEntry"/>); its
/// <see cref="McpListedEntry.Name"/> is its URI or template when the entry names none.
/// </summary>
internal sealed class McpResourceInfo : McpListedEntry
{
    /// <summary>The resource's URI; null for a template.</summary>
    public string? Uri { get; init; }

    /// <summary>The RFC 6570 URI template; null for a resource.</summary>
    public string? UriTemplate { get; init; }

    /// <summary>Whether this is a resource template (read with arguments) rather than a resource.</summary>
    public bool IsTemplate => UriTemplate is not null;

    public string? MimeType { get; init; }

    /// <summary>The size in bytes the server gives, when it does.</summary>
    public long? Size { get; init; }

    /// <summary>The variables of the template, in order (none for a resource).</summary>
    public IReadOnlyList<string> Variables => UriTemplate is null ? [] : McpUriTemplate.Variables(UriTemplate);

    public override string ToString() => $"{Uri ?? UriTemplate} ({ServerName})";

    /// <summary>One entry of resources/list (<paramref name="template"/> false) or resources/templates/list, read leniently.</summary>
    internal static McpResourceInfo FromJson(JsonElement entry, bool template, int position, string serverName, McpTarget target, string? protocolVersion)
    {
        var address = JsonFields.Text(entry, template ? "uriTemplate" : "uri");
        var kind = template ? "resource template" : "resource";
        return new McpResourceInfo
        {
            Name = JsonFields.Text(entry, "name") ?? address ?? string.Empty,
            Title = JsonFields.Text(entry, "title"),
            Description = JsonFields.Text(entry, "description"),
            Uri = template ? null : address,
            UriTemplate = template ? address ?? string.Empty : null,
            MimeType = JsonFields.Text(entry, "mimeType"),
            Size = JsonFields.Int64(entry, "size"),
            ServerName = serverName,
            OrdId = target.Dependency?.OrdId,
            GlobalTenantId = target.Dependency?.GlobalTenantId,
            Url = target.Url,
            ProtocolVersion = protocolVersion,
            EntryProblem = entry.ValueKind != JsonValueKind.Object ? $"{kind} entry {position} of the listing is not a JSON object"
                : address is not { Length: > 0 } ? $"{kind} entry {position} of the listing has no {(template ? "uriTemplate" : "uri")}"
                : null,
        };
    }
}
