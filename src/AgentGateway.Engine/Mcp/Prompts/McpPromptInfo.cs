using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Prompts;

/// <summary>One prompt as a server lists it, with its arguments and where it lives (<see cref="McpListedEntry"/>).</summary>
internal sealed class McpPromptInfo : McpListedEntry
{
    /// <summary>The prompt's arguments, in the server's order.</summary>
    public IReadOnlyList<McpPromptArgument> Arguments { get; init; } = [];

    /// <summary>
    /// The arguments to send, checked first: every required argument present, none the prompt does not name (nothing
    /// is sent otherwise). The message names the arguments, never a value.
    /// </summary>
    public IReadOnlyDictionary<string, string> CheckArguments(IReadOnlyDictionary<string, string>? given)
    {
        given ??= new Dictionary<string, string>();
        var missing = Arguments.Where(a => a.Required && (!given.TryGetValue(a.Name, out var v) || v is null)).Select(a => a.Name).ToArray();
        var unknown = given.Keys.Where(k => !Arguments.Any(a => string.Equals(a.Name, k, StringComparison.Ordinal))).ToArray();
        if (missing.Length == 0 && unknown.Length == 0)
        {
            return given;
        }

        var problems = new List<string>();
        if (missing.Length > 0)
        {
            problems.Add($"the required argument(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} {(missing.Length == 1 ? "is" : "are")} missing");
        }

        if (unknown.Length > 0)
        {
            problems.Add($"{string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Length == 1 ? "is no argument" : "are no arguments")} of it (it takes: {(Arguments.Count == 0 ? "none" : string.Join(", ", Arguments))})");
        }

        throw new McpPrimitiveException(McpPrimitiveProblem.ArgumentsInvalid, $"The prompt '{Name}' on '{ServerName}' was not rendered: {string.Join("; ", problems)}.", Name, Url) { Primitive = "prompt" };
    }

    /// <summary>One entry of prompts/list, read leniently: a malformed argument is left out, an entry without a name is kept with its <see cref="McpListedEntry.Problem"/>.</summary>
    internal static McpPromptInfo FromJson(JsonElement entry, int position, string serverName, McpTarget target, string? protocolVersion)
    {
        var name = JsonFields.Text(entry, "name");
        var arguments = new List<McpPromptArgument>();
        foreach (var argument in JsonFields.Items(entry, "arguments"))
        {
            if (JsonFields.Text(argument, "name") is { Length: > 0 } argumentName)
            {
                arguments.Add(new McpPromptArgument(argumentName, JsonFields.Text(argument, "title"), JsonFields.Text(argument, "description"), JsonFields.Flag(argument, "required") == true));
            }
        }

        return new McpPromptInfo
        {
            Name = name ?? string.Empty,
            Title = JsonFields.Text(entry, "title"),
            Description = JsonFields.Text(entry, "description"),
            Arguments = arguments,
            ServerName = serverName,
            OrdId = target.Dependency?.OrdId,
            GlobalTenantId = target.Dependency?.GlobalTenantId,
            Url = target.Url,
            ProtocolVersion = protocolVersion,
            EntryProblem = entry.ValueKind != JsonValueKind.Object ? $"prompt entry {position} of the listing is not a JSON object"
                : name is not { Length: > 0 } ? $"prompt entry {position} of the listing has no name"
                : null,
        };
    }
}
