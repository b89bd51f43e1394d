using System.Text.Json;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Tests.Mcp.Calls;

public class McpToolResultTests
{
    private static readonly McpTarget s_target = new(new Uri("https://gw.example.com/v1/mcp/ord/ten"), new IntegrationDependency("ord", "ten"));

    private static JsonElement Wire(CallToolResult result) => JsonSerializer.SerializeToElement(result, McpJsonUtilities.DefaultOptions);

    [Fact]
    public void Maps_every_sdk_content_type()
    {
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47 };
        var sdk = new CallToolResult
        {
            Content =
            [
                new TextContentBlock { Text = "first" },
                ImageContentBlock.FromBytes(png, "image/png"),
                AudioContentBlock.FromBytes(new byte[] { 1, 2 }, "audio/wav"),
                new ResourceLinkBlock { Uri = "res://customers/1", Name = "customer-1", MimeType = "application/json", Size = 12 },
                new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "res://doc", MimeType = "text/plain", Text = "embedded" } },
                new TextContentBlock { Text = "second" },
            ],
            StructuredContent = JsonSerializer.SerializeToElement(new { answer = 42 }),
        };

        var result = McpCallResult.FromJson(Wire(sdk), "tool", "server", s_target, TimeSpan.FromMilliseconds(5));

        Assert.False(result.IsError);
        Assert.Equal("first\nsecond", result.Text);
        Assert.Equal(6, result.Content.Count);
        var image = Assert.IsType<McpImageContent>(result.Content[1]);
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal(png, image.GetBytes());
        Assert.Equal("audio/wav", Assert.IsType<McpAudioContent>(result.Content[2]).MimeType);
        var link = Assert.IsType<McpResourceLinkContent>(result.Content[3]);
        Assert.Equal(("res://customers/1", "customer-1", 12L), (link.Uri, link.Name, link.Size!.Value));
        var embedded = Assert.IsType<McpEmbeddedResourceContent>(result.Content[4]);
        Assert.Equal(("res://doc", "embedded"), (embedded.Uri, embedded.Text));
        Assert.Equal(42, result.StructuredContent!.Value.GetProperty("answer").GetInt32());
        Assert.Equal(("ord", "ten", "server", "tool"), (result.OrdId, result.GlobalTenantId, result.Server, result.Tool));
        Assert.Equal(JsonValueKind.Array, result.Raw.GetProperty("content").ValueKind);
    }

    [Fact]
    public void Keeps_unknown_and_malformed_blocks_as_raw_json()
    {
        using var doc = JsonDocument.Parse("""
            {"content":[{"type":"hologram","depth":3},{"type":"image","data":"AA=="},"odd",{"type":"text","text":"ok"}],"isError":true}
            """);
        var result = McpCallResult.FromJson(doc.RootElement.Clone(), "t", "s", s_target, TimeSpan.Zero);

        Assert.True(result.IsError);
        Assert.Equal("ok", result.Text);
        var unknown = Assert.IsType<McpUnknownContent>(result.Content[0]);
        Assert.Equal("hologram", unknown.Type);
        Assert.Equal(3, unknown.Raw.GetProperty("depth").GetInt32());
        Assert.IsType<McpUnknownContent>(result.Content[1]);
        Assert.IsType<McpUnknownContent>(result.Content[2]);
        Assert.Null(result.StructuredContent);
    }

    [Fact]
    public void Reads_progress_notifications_of_this_call_only()
    {
        var mine = System.Text.Json.Nodes.JsonNode.Parse("""{"progressToken":"abc","progress":2,"total":4,"message":"half"}""");
        var other = System.Text.Json.Nodes.JsonNode.Parse("""{"progressToken":"zzz","progress":2}""");
        Assert.Equal(new McpProgress(2, 4, "half"), McpGatewayClient.TryReadProgress(mine, "abc"));
        Assert.Null(McpGatewayClient.TryReadProgress(other, "abc"));
    }
}
