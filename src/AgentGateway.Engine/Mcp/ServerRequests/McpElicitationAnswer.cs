using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>The answer to an <see cref="McpElicitation"/>: the action and, when accepted in form mode, the content.</summary>
internal sealed record McpElicitationAnswer(McpElicitationAction Action, JsonObject? Content = null)
{
    public static McpElicitationAnswer Decline { get; } = new(McpElicitationAction.Decline);

    public static McpElicitationAnswer Cancel { get; } = new(McpElicitationAction.Cancel);

    public static McpElicitationAnswer Accept(JsonObject? content = null) => new(McpElicitationAction.Accept, content);

    internal ElicitResult ToResult() => new()
    {
        Action = Action switch
        {
            McpElicitationAction.Accept => "accept",
            McpElicitationAction.Decline => "decline",
            _ => "cancel",
        },
        Content = Action == McpElicitationAction.Accept && Content is not null
            ? Content.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value))
            : null,
    };
}
