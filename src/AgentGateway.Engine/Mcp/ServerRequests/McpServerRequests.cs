using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>
/// The requests and notifications a server sends to one pooled client, routed to the call in progress on it
/// (the SDK takes one handler per client, set when it is made; calls come and go). Elicitation (form and URL)
/// is declared, since the module always answers it: through the call's interaction, or by declining when there
/// is none. Ping is answered by the SDK. Server log notifications go to the call's verbose log, prefixed with the
/// server's name. Sampling and roots are not declared.
/// </summary>
internal sealed class McpServerRequests
{
    /// <summary>How long the answer may take (<see cref="McpElicitation.AnswerTimeout"/>; tests shorten it).</summary>
    internal TimeSpan AnswerTimeout { get; init; } = McpElicitation.AnswerTimeout;

    private readonly Lock _gate = new();
    private readonly List<Call> _calls = [];
    private string _serverName;

    public McpServerRequests(Uri endpoint) => _serverName = endpoint.Host;

    /// <summary>The server's name, once known (after the handshake).</summary>
    public string ServerName
    {
        get => Volatile.Read(ref _serverName);
        set => Volatile.Write(ref _serverName, value);
    }

    /// <summary>What the client declares: elicitation in both modes; nothing else.</summary>
    public static ClientCapabilities Capabilities() => new()
    {
        Elicitation = new ElicitationCapability { Form = new FormElicitationCapability(), Url = new UrlElicitationCapability() },
    };

    public McpClientHandlers Handlers() => new()
    {
        ElicitationHandler = ElicitAsync,
#pragma warning disable MCP9005 // Logging is deprecated from 2026-07-28 on, but servers of the earlier revisions send it.
        NotificationHandlers = [new(NotificationMethods.LoggingMessageNotification, OnLogAsync)],
#pragma warning restore MCP9005
    };

    /// <summary>Routes what the server sends to this call until the scope is disposed (the latest call wins).</summary>
    public IDisposable Enter(IMcpCallInteraction? interaction, ICallLogSink? log)
    {
        var call = new Call(interaction, log, McpCallClock.Current);
        lock (_gate)
        {
            _calls.Add(call);
        }

        return new Exit(this, call);
    }

    private Call? Current()
    {
        lock (_gate)
        {
            return _calls.Count == 0 ? null : _calls[^1];
        }
    }

    private async ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams? request, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return McpElicitationAnswer.Decline.ToResult();
        }

        var call = Current();
        var elicitation = McpElicitation.From(request, ServerName);
        CallLog.Verbose(call?.Log, $"MCP server '{ServerName}' asks ({elicitation.Mode.ToString().ToLowerInvariant()}): {elicitation.Message}");
        if (call?.Interaction is not { } interaction)
        {
            CallLog.Verbose(call?.Log, $"Declined: nothing answers for this call.");
            return McpElicitationAnswer.Decline.ToResult();
        }

        // The answer is the person's (or the handler's) to give: the call's clock stops, and the wait has a bound of its own.
        McpElicitationAnswer answer;
        using (call.Clock?.Pause())
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bound.CancelAfter(AnswerTimeout);
            try
            {
                answer = await interaction.ElicitAsync(elicitation, bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var waited = AnswerTimeout >= TimeSpan.FromMinutes(1) ? $"{AnswerTimeout.TotalMinutes:0.#} minutes" : $"{AnswerTimeout.TotalSeconds:0.###} s";
                CallLog.Verbose(call.Log, $"No answer to '{ServerName}' within {waited}: it is told the request was cancelled.");
                return McpElicitationAnswer.Cancel.ToResult();
            }
        }

        CallLog.Verbose(call.Log, $"Answered '{ServerName}': {answer.Action.ToString().ToLowerInvariant()}.");
        return answer.ToResult();
    }

    private ValueTask OnLogAsync(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (Current()?.Log is { } log && notification.Params is JsonObject parameters)
        {
            CallLog.Verbose(log, $"{FormatLog(ServerName, parameters)}");
        }

        return default;
    }

    internal static string FormatLog(string serverName, JsonObject parameters)
    {
        var level = parameters["level"] is JsonValue l && l.TryGetValue<string>(out var ls) ? ls : "info";
        var logger = parameters["logger"] is JsonValue g && g.TryGetValue<string>(out var gs) ? $" {gs}" : string.Empty;
        var data = parameters["data"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var text) => text,
            null => string.Empty,
            var other => other.ToJsonString(new JsonSerializerOptions { WriteIndented = false }),
        };
        return $"[{serverName}] {level}{logger}: {data}";
    }

    private sealed record Call(IMcpCallInteraction? Interaction, ICallLogSink? Log, McpCallClock? Clock);

    private sealed class Exit(McpServerRequests owner, Call call) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._calls.Remove(call);
            }
        }
    }
}
