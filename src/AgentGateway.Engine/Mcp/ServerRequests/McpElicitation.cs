using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>What a server asks for during a call (<c>elicitation/create</c>), in the module's terms.</summary>
internal sealed class McpElicitation
{
    /// <summary>
    /// How long a server's request waits for its answer (a person at a prompt, or an -ElicitationHandler) before the
    /// server is told it was cancelled. The call's own timeout stops meanwhile (<see cref="McpCallClock"/>).
    /// </summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromMinutes(10);

    /// <summary>serverInfo.name of the server that asks.</summary>
    public required string ServerName { get; init; }

    public required McpElicitationMode Mode { get; init; }

    public required string Message { get; init; }

    /// <summary>The page to open (URL mode).</summary>
    public string? Url { get; init; }

    public string? ElicitationId { get; init; }

    /// <summary>The fields of the form (form mode), in the order the server listed them.</summary>
    public IReadOnlyList<McpElicitationField> Fields { get; init; } = [];

    /// <summary>
    /// Checks a scripted answer (field name to plain .NET value) against the requested schema: every required
    /// field present, every value of the field's type and within its bounds or choices, no unknown field.
    /// </summary>
    /// <exception cref="ArgumentException">Says which field is wrong and why.</exception>
    public JsonObject CheckAnswer(IReadOnlyDictionary<string, object?> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var content = new JsonObject();
        foreach (var (key, given) in answer)
        {
            var field = Fields.FirstOrDefault(f => string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"The MCP server '{ServerName}' asked for no field '{key}'; it asked for: {string.Join(", ", Fields.Select(f => f.Name))}.");
            if (!field.TryAccept(given, out var value, out var error))
            {
                throw new ArgumentException(error);
            }

            content[field.Name] = value;
        }

        var missing = Fields.Where(f => f.Required && !content.ContainsKey(f.Name)).Select(f => f.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"The MCP server '{ServerName}' requires {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        }

        return content;
    }

    internal static McpElicitation From(ElicitRequestParams request, string serverName)
    {
        var url = string.Equals(request.Mode, "url", StringComparison.Ordinal);
        var required = request.RequestedSchema?.Required?.ToHashSet(StringComparer.Ordinal) ?? [];
        return new McpElicitation
        {
            ServerName = serverName,
            Mode = url ? McpElicitationMode.Url : McpElicitationMode.Form,
            Message = request.Message,
            Url = request.Url,
            ElicitationId = request.ElicitationId,
            Fields = url || request.RequestedSchema is null
                ? []
                : request.RequestedSchema.Properties.Select(p => McpElicitationField.From(p.Key, p.Value, required.Contains(p.Key))).ToArray(),
        };
    }
}
