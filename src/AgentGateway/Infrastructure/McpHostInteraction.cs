using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Answers what an MCP server asks during Invoke-McpTool (elicitation): the caller's -ElicitationHandler when
/// given, else the host's prompts (form fields, or a URL to open), else (a host that cannot prompt) a decline
/// with a warning naming the server and its message. It runs on the pipeline thread (the engine's request is
/// posted there), where the host and scriptblocks must be used.
/// </summary>
internal sealed class McpHostInteraction(AgwCmdlet cmdlet, ScriptBlock? handler) : IMcpCallInteraction
{
    /// <summary>How often a field is asked again after a value of the wrong type before the form is cancelled.</summary>
    private const int MaxTries = 3;

    public Task<McpElicitationAnswer> ElicitAsync(McpElicitation request, CancellationToken cancellationToken) =>
        cmdlet.OnPipelineAsync(() => Answer(request), cancellationToken);

    private McpElicitationAnswer Answer(McpElicitation request)
    {
        if (handler is not null)
        {
            return FromHandler(request);
        }

        try
        {
            var ui = cmdlet.Host?.UI ?? throw new HostException("no host user interface");
            return request.Mode == McpElicitationMode.Url ? AskUrl(ui, request) : AskForm(ui, request);
        }
        catch (Exception e) when (e is PSInvalidOperationException or HostException or NotImplementedException or PSNotImplementedException)
        {
            cmdlet.WriteWarning($"The MCP server '{request.ServerName}' asked: \"{request.Message}\"{(request.Url is null ? string.Empty : $" ({request.Url})")}. Declined: this host cannot prompt. Pass -ElicitationHandler to answer from a script.");
            return McpElicitationAnswer.Decline;
        }
    }

    // ---- -ElicitationHandler ----------------------------------------------------------------------

    private McpElicitationAnswer FromHandler(McpElicitation request)
    {
        Collection<PSObject> output;
        try
        {
            output = handler!.Invoke(Describe(request));
        }
        catch (RuntimeException e)
        {
            cmdlet.WriteWarning($"-ElicitationHandler failed on what the MCP server '{request.ServerName}' asked (\"{request.Message}\"): {e.Message} Cancelled.");
            return McpElicitationAnswer.Cancel;
        }

        var answer = output.LastOrDefault(o => o is not null)?.BaseObject;
        switch (answer)
        {
            case null:
            case false:
                return McpElicitationAnswer.Decline;
            case string action when Enum.TryParse<McpElicitationAction>(action, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed):
                return parsed switch
                {
                    McpElicitationAction.Accept => Accept(request, new Dictionary<string, object?>()),
                    McpElicitationAction.Decline => McpElicitationAnswer.Decline,
                    _ => McpElicitationAnswer.Cancel,
                };
            case true:
                return Accept(request, new Dictionary<string, object?>());
        }

        if (PowerShellJson.FromPowerShell(answer) is not Dictionary<string, object?> values)
        {
            cmdlet.WriteWarning($"-ElicitationHandler returned {answer.GetType().Name}; it returns a hashtable to accept, or $null to decline. Cancelled.");
            return McpElicitationAnswer.Cancel;
        }

        return Accept(request, values);
    }

    private McpElicitationAnswer Accept(McpElicitation request, Dictionary<string, object?> values)
    {
        if (request.Mode == McpElicitationMode.Url)
        {
            return McpElicitationAnswer.Accept();
        }

        try
        {
            return McpElicitationAnswer.Accept(request.CheckAnswer(values));
        }
        catch (ArgumentException e)
        {
            cmdlet.WriteWarning($"-ElicitationHandler's answer does not fit what the MCP server '{request.ServerName}' asked for: {e.Message} Cancelled.");
            return McpElicitationAnswer.Cancel;
        }
    }

    /// <summary>What the handler gets: ServerName, Mode (form or url), Message, Url, ElicitationId, Fields.</summary>
    private static PSObject Describe(McpElicitation request)
    {
        var fields = request.Fields.Select(f =>
        {
            var field = new PSObject();
            field.Properties.Add(new PSNoteProperty("Name", f.Name));
            field.Properties.Add(new PSNoteProperty("Title", f.Title));
            field.Properties.Add(new PSNoteProperty("Description", f.Description));
            field.Properties.Add(new PSNoteProperty("Type", f.Type));
            field.Properties.Add(new PSNoteProperty("Required", f.Required));
            field.Properties.Add(new PSNoteProperty("Default", ToPowerShell(f.Default)));
            field.Properties.Add(new PSNoteProperty("Choices", f.Choices.Select(c => c.Value).ToArray()));
            field.Properties.Add(new PSNoteProperty("Minimum", f.Minimum));
            field.Properties.Add(new PSNoteProperty("Maximum", f.Maximum));
            return field;
        }).ToArray();

        var described = new PSObject();
        described.Properties.Add(new PSNoteProperty("ServerName", request.ServerName));
        described.Properties.Add(new PSNoteProperty("Mode", request.Mode == McpElicitationMode.Url ? "url" : "form"));
        described.Properties.Add(new PSNoteProperty("Message", request.Message));
        described.Properties.Add(new PSNoteProperty("Url", request.Url));
        described.Properties.Add(new PSNoteProperty("ElicitationId", request.ElicitationId));
        described.Properties.Add(new PSNoteProperty("Fields", fields));
        return described;
    }

    private static object? ToPowerShell(JsonNode? node) =>
        node is null ? null : PowerShellJson.ToPowerShell(JsonSerializer.SerializeToElement(node));

    // ---- the host's prompts -----------------------------------------------------------------------

    private static McpElicitationAnswer AskUrl(PSHostUserInterface ui, McpElicitation request)
    {
        var choice = ui.PromptForChoice(
            $"The MCP server '{request.ServerName}' asks you to open a page",
            $"{request.Message}{Environment.NewLine}{request.Url}{Environment.NewLine}Open it in your browser and finish there; the module does not open it.",
            Choices(("&Continue", "I opened the page: accept and let the tool go on."), ("&Decline", "Do not open it: decline."), ("C&ancel", "Dismiss without choosing.")),
            1);
        return choice switch
        {
            0 => McpElicitationAnswer.Accept(),
            1 => McpElicitationAnswer.Decline,
            _ => McpElicitationAnswer.Cancel,
        };
    }

    private static McpElicitationAnswer AskForm(PSHostUserInterface ui, McpElicitation request)
    {
        var choice = ui.PromptForChoice(
            $"The MCP server '{request.ServerName}' asks",
            request.Message,
            Choices(("&Answer", "Fill in the form and send it."), ("&Decline", "Refuse to answer."), ("C&ancel", "Dismiss without choosing.")),
            0);
        if (choice != 0)
        {
            return choice == 1 ? McpElicitationAnswer.Decline : McpElicitationAnswer.Cancel;
        }

        var content = new JsonObject();
        foreach (var field in request.Fields)
        {
            if (!TryAskField(ui, field, out var value))
            {
                return McpElicitationAnswer.Cancel;
            }

            if (value is not null)
            {
                content[field.Name] = value;
            }
        }

        return McpElicitationAnswer.Accept(content);
    }

    /// <summary>Asks one field: a choice for enums and booleans, a typed prompt otherwise (default on empty input).</summary>
    private static bool TryAskField(PSHostUserInterface ui, McpElicitationField field, out JsonNode? value)
    {
        var help = field.Description ?? field.Label;
        var caption = field.Required ? field.Label : $"{field.Label} (optional)";
        if (field.Type == "boolean" || (field.Choices.Count > 0 && field.Type != "array"))
        {
            var options = field.Type == "boolean"
                ? [("&Yes", JsonValue.Create(true)), ("&No", JsonValue.Create(false))]
                : field.Choices.Select((c, i) => (Label(c.Title, i), (JsonNode?)JsonValue.Create(c.Value))).ToList();
            if (!field.Required)
            {
                options.Add(("&Skip", null));
            }

            var preferred = options.FindIndex(o => o.Item2 is not null && field.Default is not null && JsonNode.DeepEquals(o.Item2, field.Default));
            var picked = ui.PromptForChoice(caption, help, Choices(options.Select(o => (o.Item1, o.Item2?.ToJsonString() ?? "no value")).ToArray()), preferred < 0 ? (field.Required ? 0 : options.Count - 1) : preferred);
            value = picked >= 0 && picked < options.Count ? options[picked].Item2?.DeepClone() : null;
            return picked >= 0;
        }

        var prompt = new FieldDescription(field.Name)
        {
            Label = field.Default is null ? field.Label : $"{field.Label} [{Plain(field.Default)}]",
            HelpMessage = help,
            IsMandatory = field.Required,
        };
        if (field.Default is not null)
        {
            prompt.DefaultValue = new PSObject(Plain(field.Default));
        }

        var hint = field.Type == "array" ? $"{help} (comma-separated: {string.Join(", ", field.Choices.Select(c => c.Value))})" : help;
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var answers = ui.Prompt(caption, hint, [prompt]);
            var text = answers is not null && answers.TryGetValue(field.Name, out var given) ? Convert.ToString(given?.BaseObject, CultureInfo.InvariantCulture) : null;
            if (string.IsNullOrWhiteSpace(text))
            {
                if (field.Default is not null || !field.Required)
                {
                    value = field.Default?.DeepClone();
                    return true;
                }

                ui.WriteErrorLine($"'{field.Label}' is required.");
                continue;
            }

            if (field.TryConvert(text, out value, out var error))
            {
                return true;
            }

            ui.WriteErrorLine(error);
        }

        value = null;
        return false;
    }

    private static string Label(string title, int index) => index < 9 ? $"&{index + 1} {title}" : title;

    private static string Plain(JsonNode node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();

    private static Collection<ChoiceDescription> Choices(params (string Label, string Help)[] choices) =>
        new(choices.Select(c => new ChoiceDescription(c.Label, c.Help)).ToList());
}
