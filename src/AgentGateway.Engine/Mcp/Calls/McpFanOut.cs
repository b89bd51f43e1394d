using System.Diagnostics;
using System.Text.Json;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Tokens;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// What listing resources and prompts shares with listing tools: many servers at once, at most n at a time, within one
/// bound for the whole listing, each server's failure its own outcome; and a paged list method followed to its end.
/// </summary>
internal static class McpFanOut
{
    /// <summary>
    /// Runs <paramref name="one"/> for each target (at most <paramref name="maxConcurrency"/> at a time) within
    /// <paramref name="limit"/> for all of them; one outcome per target, in order. Only cancellation aborts the whole.
    /// </summary>
    public static async Task<IReadOnlyList<McpServerOutcome<T>>> EachAsync<T>(
        IReadOnlyList<McpTarget> targets,
        string method,
        TimeSpan limit,
        int maxConcurrency,
        Func<McpTarget, TimeSpan, CancellationToken, Task<T>> one,
        CancellationToken cancellationToken)
        where T : class
    {
        var results = new McpServerOutcome<T>[targets.Count];
        var started = Stopwatch.GetTimestamp();
        using var whole = new CancellationTokenSource(limit);
        await Parallel.ForAsync(0, targets.Count, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var target = targets[i];
            var url = target.Url.GetLeftPart(UriPartial.Path);
            if (whole.IsCancellationRequested || (limit != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(started) >= limit))
            {
                results[i] = new(target, null, McpGatewayException.TimedOut(
                    $"MCP {method} on '{url}' was not sent: the listing of {targets.Count} servers did not finish within {limit.TotalSeconds:0.###} s.", limit, target.Url));
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, whole.Token);
            try
            {
                results[i] = new(target, await one(target, limit, linked.Token).ConfigureAwait(false), null);
            }
            catch (OperationCanceledException e) when (whole.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                results[i] = new(target, null, McpGatewayException.TimedOut(
                    $"MCP {method} on '{url}' did not finish within {limit.TotalSeconds:0.###} s, the bound of the listing of {targets.Count} servers.", limit, target.Url, e));
            }
            catch (McpGatewayException e)
            {
                results[i] = new(target, null, e);
            }
            catch (Exception e) when (e is not (OperationCanceledException or TokenRequestException or CredentialException or OutOfMemoryException))
            {
                results[i] = new(target, null, McpGatewayException.Protocol($"MCP {method} on '{url}' failed: {e.Message}", target.Url, e));
            }
        }).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Every entry of the paged list <paramref name="method"/> (the array <paramref name="arrayName"/> of each page),
    /// following nextCursor to the end, at most <paramref name="maxPages"/> pages; a repeated cursor stops it.
    /// </summary>
    public static async Task<List<JsonElement>> PagesAsync(McpPooledClient session, McpTarget target, string method, string arrayName, int maxPages, CancellationToken ct)
    {
        var entries = new List<JsonElement>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        var url = target.Url.GetLeftPart(UriPartial.Path);
        for (var page = 1; ; page++)
        {
            if (page > maxPages)
            {
                throw McpGatewayException.Pagination($"The MCP server at '{url}' returned more than {maxPages} pages of {method}; stopped listing. Report this to the server's owners.", target.Url);
            }

            var request = new JsonRpcRequest
            {
                Method = method,
                Params = cursor is null ? [] : new System.Text.Json.Nodes.JsonObject { ["cursor"] = cursor },
            };
            var response = await session.Client.SendRequestAsync(request, ct).ConfigureAwait(false);
            var result = response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result);
            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty(arrayName, out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw McpGatewayException.Protocol($"The MCP server at '{url}' answered {method} (page {page}) without a list of {arrayName}.", target.Url);
            }

            entries.AddRange(items.EnumerateArray());
            var next = result.TryGetProperty("nextCursor", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (string.IsNullOrEmpty(next))
            {
                return entries;
            }

            if (!seen.Add(next))
            {
                throw McpGatewayException.Pagination($"The MCP server at '{url}' repeated a {method} cursor on page {page}; stopped listing to avoid a loop. Report this to the server's owners.", target.Url);
            }

            cursor = next;
        }
    }
}
