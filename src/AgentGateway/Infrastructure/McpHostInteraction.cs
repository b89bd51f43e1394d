using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp.ServerRequests;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Answers what an MCP server asks during Invoke-McpTool (elicitation): the caller's -ElicitationHandler when
/// given, else the host's prompts (form fields, or a URL to open), else (a host that cannot prompt) a decline
/// with a warning naming the server and its message. It runs on the pipeline thread (the engine's request is
/// posted there), where the host and scriptblocks must be used. What the server sent reaches the host only made fit
/// for a terminal: names and messages cut where they enter a line (<see cref="Name"/>, <see cref="Quote"/>), and every
/// caption, message, choice, label and line of a prompt cleaned where it is shown (<see cref="Choose"/>,
/// <see cref="Ask"/>, <see cref="Tell"/>); the handler gets the request as sent.
/// </summary>
internal sealed class McpHostInteraction(AgwCmdlet cmdlet, ScriptBlock? handler) : IMcpCallInteraction
{
    /// <summary>How often a field is asked again after a value of the wrong type before the form is cancelled.</summary>
    private const int MaxTries = 3;

    public Task<McpElicitationAnswer> ElicitAsync(McpElicitation request, CancellationToken cancellationToken) =>
        cmdlet.OnPipelineAsync(() => Late(Answer(request), cancellationToken), cancellationToken);

    /// <summary>An answer given after the wait for it ended (the server was told the request was cancelled) is said to be lost.</summary>
    private McpElicitationAnswer Late(McpElicitationAnswer answer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            cmdlet.WriteWarning($"The answer came after the MCP server stopped waiting for it ({McpElicitation.AnswerTimeout.TotalMinutes:0} minutes, or the call ended): it was not sent.");
        }

        return answer;
    }

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
            cmdlet.WriteWarning($"The MCP server '{Name(request.ServerName)}' asked: \"{Quote(request.Message)}\"{(request.Url is null ? string.Empty : $" ({Quote(request.Url)})")}. Declined: this host cannot prompt. Pass -ElicitationHandler to answer from a script.");
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
            cmdlet.WriteWarning($"-ElicitationHandler failed on what the MCP server '{Name(request.ServerName)}' asked (\"{Quote(request.Message)}\"): {e.Message} Cancelled.");
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
                    McpElicitationAction.Accept => Accept(request, []),
                    McpElicitationAction.Decline => McpElicitationAnswer.Decline,
                    _ => McpElicitationAnswer.Cancel,
                };
            case true:
                return Accept(request, []);
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
            cmdlet.WriteWarning($"-ElicitationHandler's answer does not fit what the MCP server '{Name(request.ServerName)}' asked for: {Quote(e.Message)} Cancelled.");
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
        var choice = Choose(
            ui,
            $"The MCP server '{Name(request.ServerName)}' asks you to open a page",
            $"{QuoteLines(request.Message)}{Environment.NewLine}{Quote(request.Url)}{Environment.NewLine}Open it in your browser and finish there; the module does not open it.",
            [("&Continue", "I opened the page: accept and let the tool go on."), ("&Decline", "Do not open it: decline."), ("C&ancel", "Dismiss without choosing.")],
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
        var choice = Choose(
            ui,
            $"The MCP server '{Name(request.ServerName)}' asks",
            QuoteLines(request.Message),
            [("&Answer", "Fill in the form and send it."), ("&Decline", "Refuse to answer."), ("C&ancel", "Dismiss without choosing.")],
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
        var label = Name(field.Label);
        var help = field.Description is { } description ? QuoteLines(description) : label;
        var caption = field.Required ? label : $"{label} (optional)";
        if (field.Type == "boolean" || (field.Choices.Count > 0 && field.Type != "array"))
        {
            var options = field.Type == "boolean"
                ? [("&Yes", JsonValue.Create(true)), ("&No", JsonValue.Create(false))]
                : field.Choices.Select((c, i) => (Label(Name(c.Title), i), (JsonNode?)JsonValue.Create(c.Value))).ToList();
            if (!field.Required)
            {
                options.Add(("&Skip", null));
            }

            var preferred = options.FindIndex(o => o.Item2 is not null && field.Default is not null && JsonNode.DeepEquals(o.Item2, field.Default));
            var picked = Choose(ui, caption, help, options.Select(o => (o.Item1, o.Item2 is null ? "no value" : Quote(o.Item2.ToJsonString()))).ToArray(), preferred < 0 ? (field.Required ? 0 : options.Count - 1) : preferred);
            value = picked >= 0 && picked < options.Count ? options[picked].Item2?.DeepClone() : null;
            return picked >= 0;
        }

        var prompt = new FieldDescription(field.Name)
        {
            Label = field.Default is null ? label : $"{label} [{Name(Plain(field.Default))}]",
            HelpMessage = help,
            IsMandatory = field.Required,
        };
        if (field.Default is not null)
        {
            prompt.DefaultValue = new PSObject(Plain(field.Default));
        }

        var hint = field.Type == "array" ? $"{help} (comma-separated: {Quote(string.Join(", ", field.Choices.Select(c => c.Value)))})" : help;
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var answers = Ask(ui, caption, hint, prompt);
            var text = answers is not null && answers.TryGetValue(field.Name, out var given) ? Convert.ToString(given?.BaseObject, CultureInfo.InvariantCulture) : null;
            if (string.IsNullOrWhiteSpace(text))
            {
                if (field.Default is not null || !field.Required)
                {
                    value = field.Default?.DeepClone();
                    return true;
                }

                Tell(ui, $"'{label}' is required.");
                continue;
            }

            if (field.TryConvert(text, out value, out var error))
            {
                return true;
            }

            Tell(ui, error);
        }

        value = null;
        return false;
    }

    private static string Label(string title, int index) => index < 9 ? $"&{index + 1} {title}" : title;

    private static string Plain(JsonNode node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();

    // ---- what the host shows: server text cut where it enters a line, every line cleaned where it is shown ----

    /// <summary>A name the server sent (its own, a field's, a choice's), on one line and short.</summary>
    private static string Name(string? text) => HostText.Line(text, HostText.NameLength);

    /// <summary>A message or URL the server sent, quoted on one line.</summary>
    private static string Quote(string? text) => HostText.Line(text, HostText.QuoteLength);

    /// <summary>A message or description the server sent, shown with its lines.</summary>
    private static string QuoteLines(string? text) => HostText.Lines(text, HostText.QuoteLength);

    private static int Choose(PSHostUserInterface ui, string caption, string message, IReadOnlyList<(string Label, string Help)> choices, int defaultChoice) =>
        ui.PromptForChoice(
            HostText.Line(caption),
            HostText.Lines(message, HostText.MessageLength),
            new Collection<ChoiceDescription>(choices.Select(c => new ChoiceDescription(HostText.Line(c.Label), HostText.Line(c.Help))).ToList()),
            defaultChoice);

    private static Dictionary<string, PSObject>? Ask(PSHostUserInterface ui, string caption, string message, FieldDescription field)
    {
        field.Label = HostText.Line(field.Label);
        field.HelpMessage = HostText.Lines(field.HelpMessage, HostText.MessageLength);
        return ui.Prompt(HostText.Line(caption), HostText.Lines(message, HostText.MessageLength), [field]);
    }

    private static void Tell(PSHostUserInterface ui, string? line) => ui.WriteErrorLine(HostText.Line(line));
}
