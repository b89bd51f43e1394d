using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp.Transport;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Calls;

/// <summary>
/// completion/complete (argument completion for tab completion): the values a server suggests for a prompt's argument
/// or a resource template's variable, given what was typed and the other values typed so far. Asked only of a server
/// that declares the completions capability (others: no values, no request). The values are server text: those with
/// control or bidirectional characters left out, each at most <see cref="MaxValueLength"/> characters, at most
/// <see cref="MaxValues"/> of them.
/// </summary>
internal static class McpCompletion
{
    /// <summary>The most values taken from one answer (the protocol's own bound).</summary>
    public const int MaxValues = 100;

    /// <summary>The longest value taken.</summary>
    public const int MaxValueLength = 1000;

    /// <summary>
    /// The values the server suggests for <paramref name="argument"/> of the prompt named <paramref name="promptName"/>,
    /// or (when <paramref name="promptName"/> is null) of the resource template <paramref name="uriTemplate"/>.
    /// </summary>
    public static Task<IReadOnlyList<string>> CompleteAsync(
        McpGatewayClient client,
        McpTarget target,
        McpAuth auth,
        string? promptName,
        string? uriTemplate,
        string argument,
        string typed,
        IReadOnlyDictionary<string, string>? context,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(argument);
        var reference = promptName is not null
            ? new JsonObject { ["type"] = "ref/prompt", ["name"] = promptName }
            : new JsonObject { ["type"] = "ref/resource", ["uri"] = uriTemplate ?? throw new ArgumentNullException(nameof(uriTemplate)) };
        return client.RunAsync(target, auth, $"completion/complete {argument}", RequestMethods.CompletionComplete, timeout, async (session, ct) =>
        {
            if (session.Client.ServerCapabilities?.Completions is null)
            {
                CallLog.Verbose($"'{session.ServerName}' at {target.Url} offers no completions (its capabilities name none).");
                return [];
            }

            var parameters = new JsonObject
            {
                ["ref"] = reference,
                ["argument"] = new JsonObject { ["name"] = argument, ["value"] = typed ?? string.Empty },
            };
            if (context is { Count: > 0 })
            {
                var arguments = new JsonObject();
                foreach (var (name, value) in context)
                {
                    arguments[name] = value;
                }

                parameters["context"] = new JsonObject { ["arguments"] = arguments };
            }

            var response = await session.Client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.CompletionComplete, Params = parameters }, ct).ConfigureAwait(false);
            var result = response.Result is null ? default : JsonSerializer.SerializeToElement(response.Result);
            return Values(result);
        }, cancellationToken);
    }

    /// <summary>The usable values of a completion/complete result (<c>completion.values</c>): strings without unsafe characters, cut, capped.</summary>
    internal static IReadOnlyList<string> Values(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("completion", out var completion) || completion.ValueKind != JsonValueKind.Object ||
            !completion.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<string>();
        foreach (var value in values.EnumerateArray())
        {
            if (list.Count == MaxValues)
            {
                break;
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= MaxValueLength } text && !text.Any(c => ServerText.IsUnsafe(c) && !char.IsSurrogate(c)))
            {
                list.Add(text);
            }
        }

        return list;
    }
}
