using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Resources;

/// <summary>
/// resources/list, resources/templates/list and resources/read over the runspace's <see cref="McpGatewayClient"/>: the
/// same pooled sessions, negotiation, auth, timeout and response guard as tools. A server that declares no resources is
/// listed as having none; reading from it is an <see cref="McpPrimitiveException"/>.
/// </summary>
internal static class McpResourceOperations
{
    /// <summary>The resources and then the resource templates of one server, each list followed to its end.</summary>
    public static Task<IReadOnlyList<McpResourceInfo>> ListAsync(McpGatewayClient client, McpTarget target, McpAuth auth, TimeSpan? timeout, CancellationToken cancellationToken) =>
        client.RunAsync(target, auth, "resources/list", "resources/list", timeout, async (session, ct) =>
        {
            if (session.Client.ServerCapabilities?.Resources is null)
            {
                CallLog.Verbose($"'{session.ServerName}' at {target.Url} offers no resources (its capabilities name none).");
                return [];
            }

            var list = new List<McpResourceInfo>();
            var maxPages = client.Options.MaxToolPages;
            foreach (var entry in await McpFanOut.PagesAsync(session, target, RequestMethods.ResourcesList, "resources", maxPages, ct).ConfigureAwait(false))
            {
                list.Add(McpResourceInfo.FromJson(entry, template: false, list.Count + 1, session.ServerName, target, session.ProtocolVersion));
            }

            var resources = list.Count;
            try
            {
                var position = 0;
                foreach (var entry in await McpFanOut.PagesAsync(session, target, RequestMethods.ResourcesTemplatesList, "resourceTemplates", maxPages, ct).ConfigureAwait(false))
                {
                    list.Add(McpResourceInfo.FromJson(entry, template: true, ++position, session.ServerName, target, session.ProtocolVersion));
                }
            }
            catch (McpProtocolException e) when (e.ErrorCode == McpErrorCode.MethodNotFound)
            {
                CallLog.Verbose($"'{session.ServerName}' has no resources/templates/list (method not found): no templates.");
            }

            CallLog.Verbose($"Listed {resources} resource(s) and {list.Count - resources} template(s) of '{session.ServerName}' at {target.Url} (MCP {session.ProtocolVersion}).");
            return (IReadOnlyList<McpResourceInfo>)list;
        }, cancellationToken);

    /// <summary>Reads <paramref name="resourceUri"/>: one item per content entry of the answer, in order.</summary>
    public static async Task<IReadOnlyList<McpResourceItem>> ReadAsync(McpGatewayClient client, McpTarget target, McpAuth auth, string resourceUri, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceUri);
        string? notOffered = null;
        var items = await client.RunAsync(target, auth, $"resources/read {resourceUri}", "resources/read", timeout, async (session, ct) =>
        {
            if (session.Client.ServerCapabilities?.Resources is null)
            {
                notOffered = session.ServerName;
                return [];
            }

            var request = new JsonRpcRequest { Method = RequestMethods.ResourcesRead, Params = new JsonObject { ["uri"] = resourceUri } };
            var response = await session.Client.SendRequestAsync(request, ct).ConfigureAwait(false);
            var result = response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result);
            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array)
            {
                throw McpGatewayException.Protocol($"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' answered resources/read of '{resourceUri}' without a list of contents.", target.Url);
            }

            var read = contents.EnumerateArray().Select(c => McpResourceItem.FromJson(c, resourceUri, session.ServerName, target.Url)).ToArray();
            CallLog.Verbose($"Read '{resourceUri}' from '{session.ServerName}': {read.Length} item(s), {read.Sum(i => i.Size)} byte(s).");
            return (IReadOnlyList<McpResourceItem>)read;
        }, cancellationToken).ConfigureAwait(false);

        if (notOffered is not null)
        {
            throw new McpPrimitiveException(McpPrimitiveProblem.NotOffered, $"The MCP server '{notOffered}' at '{target.Url.GetLeftPart(UriPartial.Path)}' offers no resources (its capabilities name none).", resourceUri, target.Url);
        }

        return items;
    }
}
