using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>
/// <c>sandbox-hostile-text</c> (ORD id <c>sap.sandbox:mcpServer:hostile-text:v1</c>, reached with -Uri like the other
/// revision servers): an SDK server whose every text is hostile to a terminal. Its <c>serverInfo.name</c>, tool names,
/// titles and descriptions, log notifications, progress messages, elicitation messages, field titles, descriptions and
/// choices, tool error texts and JSON-RPC error messages hold <see cref="Payload"/> (an escape sequence that clears the
/// screen, one that sets the window title, a bidirectional override, NUL and a CR without LF), and the long ones
/// <see cref="Long"/> (the payload repeated to 200 KB). The sandbox's own label for it (stats, the <c>servers</c> map) is
/// <c>sandbox-hostile-text</c>; the name it gives in <c>initialize</c> is <see cref="ServerName"/>.
/// </summary>
internal static class HostileTextServer
{
    /// <summary>Clear screen, set the window title, a right-to-left override, NUL, and a CR that would overwrite the line.</summary>
    public const string Payload = "\u001b[2J\u001b]0;title\u0007\u202Eevil\0 text\rOVERWRITE";

    /// <summary>What the server calls itself.</summary>
    public const string ServerName = "hostile" + Payload;

    /// <summary>The sandbox's label for the server (stats, the <c>servers</c> map of process mode).</summary>
    public const string Label = "sandbox-hostile-text";

    /// <summary>The payload repeated (with line breaks among it) to 200 KB.</summary>
    public static readonly string Long = BuildLong();

    /// <summary>Adds the server to the revision servers of a sandbox (routed on the gateway, not in the credentials).</summary>
    public static void AddTo(List<SandboxDependency> revisionServers, Dictionary<string, SandboxServer> servers, string globalTenantId)
    {
        var dependency = new SandboxDependency("sap.sandbox:mcpServer:hostile-text:v1", globalTenantId, Label);
        revisionServers.Add(dependency);
        servers[dependency.OrdId] = Create();
    }

    private static SandboxServer Create()
    {
        var named = McpServerTool.Create(
            () => "named " + Payload,
            new McpServerToolCreateOptions { Name = "named", Description = "A tool whose listed name holds the payload.", ReadOnly = true });

        // The SDK refuses such a name when a tool is made; the listing and the lookup of a call use the protocol tool's.
        named.ProtocolTool.Name = "named" + Payload;
        return new SandboxServer(
            ServerName,
            [
                McpServerTool.Create(
                    () => "result " + Payload + "\n" + Long,
                    new McpServerToolCreateOptions { Name = "describe", Title = "title " + Payload, Description = "description " + Payload + "\n" + Long, ReadOnly = true }),
                McpServerTool.Create(
                    (McpServer server, IProgress<ProgressNotificationValue> progress, CancellationToken ct) => ChattyAsync(server, progress, ct),
                    new McpServerToolCreateOptions { Name = "chatty", Description = "Sends log notifications and progress holding the payload, pings the client, then answers." }),
                McpServerTool.Create(
                    (McpServer server, CancellationToken ct) => AskAsync(server, ct),
                    new McpServerToolCreateOptions { Name = "ask", Description = "Asks (form elicitation) with the payload in the message, the titles, descriptions and choices." }),
                McpServerTool.Create(
                    () => FailRpc(),
                    new McpServerToolCreateOptions { Name = "fail-rpc", Description = "Answers with a JSON-RPC error whose message holds the payload." }),
                McpServerTool.Create(
                    () => new CallToolResult { Content = [new TextContentBlock { Text = "tool error " + Payload + "\n" + Long }], IsError = true },
                    new McpServerToolCreateOptions { Name = "fail-tool", Description = "Answers isError with a text holding the payload." }),
                named,
            ],
            pageSize: null,
            "Tools whose every text is hostile to a terminal " + Payload);
    }

    private static async Task<string> ChattyAsync(McpServer server, IProgress<ProgressNotificationValue> progress, CancellationToken ct)
    {
        // Logging is deprecated from 2026-07-28 on (SEP-2577), but servers of the earlier revisions still send it.
#pragma warning disable MCP9005
        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Info, Logger = "logger" + Payload, Data = JsonSerializer.SerializeToElement("log " + Payload + "\n" + Long) },
            cancellationToken: ct).ConfigureAwait(false);
        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Warning, Data = JsonSerializer.SerializeToElement(new { note = "data " + Payload }) },
            cancellationToken: ct).ConfigureAwait(false);
#pragma warning restore MCP9005
        progress.Report(new ProgressNotificationValue { Progress = 1, Total = 2, Message = "progress " + Payload + "\n" + Long });

        // A ping to the client before the result, as sandbox-desk's chatty does: the client has taken the notifications
        // in by the time it answers (the SDK handles them apart from the reply, so they could otherwise come after it).
        await server.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.Ping }, ct).ConfigureAwait(false);
        return "chatty " + Payload;
    }

    private static async Task<CallToolResult> AskAsync(McpServer server, CancellationToken ct)
    {
        var answer = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = "message " + Payload + "\n" + Long,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties =
                    {
                        ["pick"] = new ElicitRequestParams.TitledSingleSelectEnumSchema
                        {
                            Title = "pick " + Payload,
                            Description = "choose " + Payload + "\n" + Long,
                            OneOf = [new() { Const = "one", Title = "one " + Payload + Long }, new() { Const = "two", Title = "two " + Payload }],
                        },
                        ["note"] = new ElicitRequestParams.StringSchema { Title = "note " + Payload + Long, Description = "type " + Payload, Default = "default " + Payload },
                    },
                    Required = ["pick", "note"],
                },
            },
            ct).ConfigureAwait(false);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = answer.Content is { } content ? $"{answer.Action} {JsonSerializer.Serialize(content)}" : answer.Action }],
        };
    }

    private static string FailRpc() => throw new McpProtocolException("rpc error " + Payload + "\n" + Long, McpErrorCode.InternalError);

    private static string BuildLong()
    {
        var text = new StringBuilder(200 * 1024 + Payload.Length + 1);
        while (text.Length < 200 * 1024)
        {
            text.Append(Payload).Append(text.Length % 7 == 0 ? '\n' : ' ');
        }

        return text.ToString();
    }
}
