using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Calls;

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
