using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Prompts;

/// <summary>
/// prompts/list and prompts/get over the runspace's <see cref="McpGatewayClient"/>: the same pooled sessions,
/// negotiation, auth, timeout and response guard as tools. A server that declares no prompts is listed as having none.
/// </summary>
internal static class McpPromptOperations
{
    /// <summary>The prompts of one server, the list followed to its end.</summary>
    public static Task<IReadOnlyList<McpPromptInfo>> ListAsync(McpGatewayClient client, McpTarget target, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken) =>
        client.RunAsync(target, auth, "prompts/list", "prompts/list", timeout, async (session, ct) =>
        {
            if (session.Client.ServerCapabilities?.Prompts is null)
            {
                CallLog.Verbose($"'{session.ServerName}' at {target.Url} offers no prompts (its capabilities name none).");
                return [];
            }

            var list = new List<McpPromptInfo>();
            foreach (var entry in await McpFanOut.PagesAsync(session, target, RequestMethods.PromptsList, "prompts", client.Options.MaxToolPages, ct).ConfigureAwait(false))
            {
                list.Add(McpPromptInfo.FromJson(entry, list.Count + 1, session.ServerName, target, session.ProtocolVersion));
            }

            CallLog.Verbose($"Listed {list.Count} prompt(s) of '{session.ServerName}' at {target.Url} (MCP {session.ProtocolVersion}).");
            return (IReadOnlyList<McpPromptInfo>)list;
        }, cancellationToken);

    /// <summary>Renders the prompt <paramref name="name"/> with <paramref name="arguments"/> (checked by the caller): its messages, in order.</summary>
    public static Task<IReadOnlyList<McpPromptMessage>> GetAsync(
        McpGatewayClient client, McpTarget target, McpAuth auth, string name, IReadOnlyDictionary<string, string> arguments, TimeSpan? timeout, CancellationToken cancellationToken) =>
        client.RunAsync(target, auth, $"prompts/get {name}", "prompts/get", timeout, async (session, ct) =>
        {
            var args = new JsonObject();
            foreach (var (key, value) in arguments)
            {
                args[key] = value;
            }

            var request = new JsonRpcRequest { Method = RequestMethods.PromptsGet, Params = new JsonObject { ["name"] = name, ["arguments"] = args } };
            var response = await session.Client.SendRequestAsync(request, ct).ConfigureAwait(false);
            var result = response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result);
            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                throw McpGatewayException.Protocol($"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' answered prompts/get of '{name}' without a list of messages.", target.Url);
            }

            var description = JsonFields.Text(result, "description");
            var list = new List<McpPromptMessage>();
            foreach (var message in messages.EnumerateArray())
            {
                var content = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var c) ? c : default;
                list.Add(new McpPromptMessage
                {
                    PromptName = name,
                    PromptDescription = description,
                    Role = JsonFields.Text(message, "role") ?? string.Empty,
                    Index = list.Count,
                    Content = McpContent.FromJson(content),
                    ServerName = session.ServerName,
                    Url = target.Url,
                });
            }

            CallLog.Verbose($"Rendered the prompt '{name}' of '{session.ServerName}': {list.Count} message(s).");
            return (IReadOnlyList<McpPromptMessage>)list;
        }, cancellationToken);
}
