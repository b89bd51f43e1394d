using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.ServerRequests;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// The requests themselves, below <see cref="RunAsync"/>: the pages of a tools/list read below the SDK's <c>Tool</c>
/// type, one tools/call with its progress and its cancellation, and the <c>resultType</c> of what came back.
/// </summary>
internal sealed partial class McpGatewayClient
{
    private async Task<IReadOnlyList<McpToolInfo>> ListPagesAsync(McpPooledClient session, McpTarget target, CancellationToken ct)
    {
        var tools = new List<McpToolInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        TimeSpan? timeToLive = null;
        var shared = true;
        string? cursor = null;
        for (var page = 1; ; page++)
        {
            if (page > _pool.Options.MaxToolPages)
            {
                throw McpGatewayException.Pagination(
                    $"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' returned more than {_pool.Options.MaxToolPages} pages of tools; stopped listing. Report this to the server's owners.",
                    target.Url);
            }

            // The page is read leniently, below the SDK (the response guard takes it out of the reply): the SDK's Tool
            // type refuses a whole page for one entry it cannot take (an inputSchema that is not an object with
            // "type":"object"), and its reader a whole reply for one entry nested deeper than 64 levels; one bad tool
            // must spoil only itself.
            var requestId = $"agw-{Guid.NewGuid():N}";
            var request = new JsonRpcRequest
            {
                Id = new RequestId(requestId),
                Method = RequestMethods.ToolsList,
                Params = cursor is null ? [] : new JsonObject { ["cursor"] = cursor },
            };
            using var slot = McpResultSlot.Begin($"\"{requestId}\"", McpMessageScanner.OffloadedMaxDepth);
            JsonRpcResponse response;
            try
            {
                response = await session.Client.SendRequestAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (slot.Slot.ErrorFor(e, target.Url) is { } error)
            {
                throw error;
            }

            var result = slot.Slot.Result ?? (response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result));
            if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("tools", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw McpGatewayException.Protocol(
                    $"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' answered tools/list (page {page}) without a list of tools.",
                    target.Url);
            }

            ThrowIfIncomplete(result, target, "tools/list");
            if (result.TryGetProperty("ttlMs", out var ttlMs) && ttlMs.ValueKind == JsonValueKind.Number && ttlMs.TryGetDouble(out var ms) && Math.Abs(ms) < TimeSpan.MaxValue.TotalMilliseconds
                && TimeSpan.FromMilliseconds(ms) is var ttl && (timeToLive is null || ttl < timeToLive))
            {
                timeToLive = ttl;
            }

            // Shared across identities only when every page says so ("public"); anything else keeps it to the identity.
            shared &= result.TryGetProperty("cacheScope", out var scope) && scope.ValueKind == JsonValueKind.String && scope.ValueEquals("public");

            foreach (var entry in entries.EnumerateArray())
            {
                tools.Add(McpToolInfo.FromJson(entry, tools.Count + 1, session.ServerName, target, session.ProtocolVersion));
            }

            var nextCursor = result.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (string.IsNullOrEmpty(nextCursor))
            {
                break;
            }

            if (!seen.Add(nextCursor))
            {
                throw McpGatewayException.Pagination(
                    $"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' repeated a tools/list cursor on page {page}; stopped listing to avoid a loop. Report this to the server's owners.",
                    target.Url);
            }

            cursor = nextCursor;
        }

        CallLog.Verbose($"Listed {tools.Count} tool(s) of '{session.ServerName}' at {target.Url} (MCP {session.ProtocolVersion}).");
        return new McpToolList(tools, timeToLive, shared);
    }

    private static async Task<McpCallResult> CallOnceAsync(McpPooledClient session, McpTarget target, string toolName, JsonObject? arguments, IProgress<McpProgress>? progress, CancellationToken ct)
    {
        // A copy per attempt: a node has one parent, and the caller's object stays the caller's.
        var parameters = new JsonObject
        {
            ["name"] = toolName,
            ["arguments"] = arguments?.DeepClone() ?? new JsonObject(),
        };

        // What the server asks or logs during the call goes to this call's interaction and verbose log.
        using var requests = session.Requests.Enter(McpInteraction.Current, CallLog.Current);
        IAsyncDisposable? registration = null;
        if (progress is not null)
        {
            var progressToken = Guid.NewGuid().ToString("N");
            parameters["_meta"] = new JsonObject { ["progressToken"] = progressToken };
            registration = session.Client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
            {
                if (TryReadProgress(notification.Params, progressToken) is { } value)
                {
                    try
                    {
                        progress.Report(value);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        CallLog.Debug($"A progress callback failed: {e.Message}");
                    }
                }

                return default;
            });
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var requestId = $"agw-{Guid.NewGuid():N}";
            var request = new JsonRpcRequest { Id = new RequestId(requestId), Method = RequestMethods.ToolsCall, Params = parameters };
            JsonRpcResponse response;

            // The result is read once by the response guard below the SDK and left here (the SDK gets it empty).
            using var slot = McpResultSlot.Begin($"\"{requestId}\"");
            try
            {
                response = await session.Client.SendRequestAsync(request, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                NotifyCancelled(session, requestId);
                throw;
            }
            catch (Exception e) when (slot.Slot.ErrorFor(e, target.Url) is { } error)
            {
                // A large error the response guard read itself: the server's whole message, not the SDK's stand-in.
                throw error;
            }

            var duration = Stopwatch.GetElapsedTime(started);

            // The result in one UTF-8 copy: the guard's, or (a result that asked for input first) a copy of the SDK's node.
            var raw = slot.Slot.Result ?? JsonSerializer.SerializeToElement(response.Result);
            ThrowIfIncomplete(raw, target, $"tools/call {toolName}");

            var result = McpCallResult.FromJson(raw, toolName, session.ServerName, target, duration, session.ProtocolVersion);
            CallLog.Verbose($"Tool '{toolName}' on '{session.ServerName}' {(result.IsError ? "reported an error" : "succeeded")} in {duration.TotalMilliseconds:0} ms (MCP {session.ProtocolVersion}).");
            return result;
        }
        finally
        {
            if (registration is not null)
            {
                await registration.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A result's <c>resultType</c> (2026-07-28): missing or <c>complete</c> is a complete result; <c>input_required</c>
    /// the SDK answers itself before the result reaches here; any other type is one this client does not know, and
    /// an error (the request was answered, so for a tool call the tool may have run).
    /// </summary>
    internal static void ThrowIfIncomplete(JsonElement result, McpTarget target, string what)
    {
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("resultType", out var type) &&
            type.ValueKind != JsonValueKind.Null && !(type.ValueKind == JsonValueKind.String && type.ValueEquals("complete")))
        {
            var shown = type.ValueKind == JsonValueKind.String ? $"'{ServerText.ForTerminal(type.GetString(), 100)}'" : $"a JSON {type.ValueKind}";
            throw McpGatewayException.MalformedReply(
                $"The MCP server at '{target.Url.GetLeftPart(UriPartial.Path)}' answered {what} with a result of type {shown}, which this client does not know (only a complete result is used).{McpErrorTranslator.AfterSendNote(what.StartsWith("tools/call", StringComparison.Ordinal) ? "tools/call" : what)}",
                target.Url);
        }
    }

    /// <summary>
    /// Tells the server that a tool call was abandoned (Ctrl+C or timeout), so it can stop the tool. The SDK
    /// does this only once the POST has completed, which for a running tool it has not; hence the request
    /// carries an id of ours. Best effort, in the background, bounded: the caller is not kept waiting.
    /// </summary>
    private static void NotifyCancelled(McpPooledClient session, string requestId)
    {
        var notification = new JsonRpcNotification
        {
            Method = NotificationMethods.CancelledNotification,
            Params = new JsonObject { ["requestId"] = requestId, ["reason"] = "The caller cancelled the request." },
        };
        CallLog.Debug($"Telling the server that request {requestId} was cancelled.");

        // It outlives the call: no call log (the cmdlet is done), hence no flowing context.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    using var limit = new CancellationTokenSource(s_cancelNotificationTimeout);
                    await session.Client.SendMessageAsync(notification, limit.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Best effort: the session may be closing; the server's own timeout ends the tool then.
                }
            });
        }
    }

    internal static McpProgress? TryReadProgress(JsonNode? parameters, string progressToken)
    {
        if (parameters is not JsonObject obj || obj["progressToken"] is not JsonValue token)
        {
            return null;
        }

        var matches = token.TryGetValue<string>(out var s) ? s == progressToken : token.ToJsonString() == progressToken;
        if (!matches || obj["progress"] is not JsonValue p || !p.TryGetValue<double>(out var progress))
        {
            return null;
        }

        double? total = obj["total"] is JsonValue t && t.TryGetValue<double>(out var tv) ? tv : null;
        var message = obj["message"] is JsonValue m && m.TryGetValue<string>(out var ms) ? ms : null;
        return new McpProgress(progress, total, message);
    }
}
