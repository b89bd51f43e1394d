using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Runspace;

namespace AgentGateway.Infrastructure;

/// <summary>
/// A prompt's arguments (Get-McpPromptMessage) and a resource template's variables (Read-McpResource) as parameters of
/// their own (<c>-destination</c>, <c>-city</c>), beside -Arguments, so that Tab can complete their values
/// (<see cref="McpPrimitiveArgumentCompleter"/>; PowerShell does not complete inside a hashtable). Made from what the
/// runspace already knows (a prompt listed before, a template's own text), never from the network. A name that is
/// not a plain word, or that is a parameter of the cmdlet or a common parameter, gets none (-Arguments still takes it).
/// </summary>
internal static class PrimitiveArgumentParameters
{
    /// <summary>The parameters for <paramref name="names"/> on <paramref name="cmdletType"/>, or null for none.</summary>
    public static RuntimeDefinedParameterDictionary? Make(Type cmdletType, IEnumerable<string> names)
    {
        var taken = OwnNames(cmdletType);
        var parameters = new RuntimeDefinedParameterDictionary();
        foreach (var name in names.Where(n => IsPlainWord(n) && !taken.Contains(n)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var attributes = new Collection<Attribute>
            {
                new ParameterAttribute(),
                new ArgumentCompleterAttribute(typeof(McpPrimitiveArgumentCompleter)),
            };
            parameters.Add(name, new RuntimeDefinedParameter(name, typeof(string), attributes));
        }

        return parameters.Count == 0 ? null : parameters;
    }

    /// <summary>-Arguments with the values given as parameters of their own added (those win); null when neither was given.</summary>
    public static Dictionary<string, string?>? Merge(Dictionary<string, string?>? arguments, RuntimeDefinedParameterDictionary? parameters)
    {
        var given = parameters?.Values.Where(p => p.IsSet).ToArray() ?? [];
        if (given.Length == 0)
        {
            return arguments;
        }

        var merged = arguments is null ? new Dictionary<string, string?>(StringComparer.Ordinal) : new Dictionary<string, string?>(arguments, StringComparer.Ordinal);
        foreach (var parameter in given)
        {
            merged[parameter.Name] = parameter.Value is null ? null : LanguagePrimitives.ConvertTo<string>(parameter.Value);
        }

        return merged;
    }

    private static HashSet<string> OwnNames(Type cmdletType)
    {
        // The common and ShouldProcess parameters with their aliases (PowerShellStandard has not their types to read).
        var names = new HashSet<string>(
            [
                "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa", "ProgressAction", "proga",
                "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv", "OutVariable", "ov", "OutBuffer", "ob", "PipelineVariable", "pv",
                "WhatIf", "wi", "Confirm", "cf", "UseTransaction", "usetx",
            ],
            StringComparer.OrdinalIgnoreCase);
        foreach (var property in cmdletType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttributes<ParameterAttribute>().Any())
            {
                names.Add(property.Name);
                foreach (var alias in property.GetCustomAttributes<AliasAttribute>().SelectMany(a => a.AliasNames))
                {
                    names.Add(alias);
                }
            }
        }

        return names;
    }

    /// <summary>A name that can follow a dash on a command line as it is: letters, digits and underscores, not starting with a digit.</summary>
    private static bool IsPlainWord(string name) =>
        name.Length is > 0 and <= 100 && !char.IsDigit(name[0]) && name.All(c => char.IsLetterOrDigit(c) || c == '_') && !name.Any(char.IsSurrogate);
}

/// <summary>
/// Completes a prompt's argument or a resource template's variable by asking its server (completion/complete, only of
/// a server that declares completions), with the other values typed so far as context: the one place Tab uses the
/// network. It waits at most about a second, so Tab never hangs (a slower answer still sets up the session, so the
/// next Tab is quick); it never starts a local server's process. The values are server text: each goes on the line as
/// exactly one argument (<see cref="Engine.ToolCommands.PowerShellText.CompletionText"/>); values with control
/// characters are left out, and at most 100 are offered.
/// </summary>
public sealed class McpPrimitiveArgumentCompleter : IArgumentCompleter
{
    /// <summary>How long Tab waits for the server, in milliseconds.</summary>
    private const int BoundMilliseconds = 1000;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var state = RunspaceStates.Current;
            var bound = fakeBoundParameters ?? new Hashtable();
            var prompt = commandName.EndsWith("Get-McpPromptMessage", StringComparison.OrdinalIgnoreCase) ? Text(bound["Name"]) : null;
            var template = prompt is null ? Text(bound["ResourceUri"]) : null;
            if ((prompt ?? template) is null || Target(state, bound, prompt, template) is not { } target)
            {
                return [];
            }

            var names = prompt is not null
                ? state.Primitives.KnownPrompts.Where(p => p.Name == prompt && p.Url == target.Url).SelectMany(p => p.Arguments.Select(a => a.Name))
                : Engine.Mcp.Resources.McpUriTemplate.Variables(template!);
            var context = names
                .Where(n => !string.Equals(n, parameterName, StringComparison.OrdinalIgnoreCase) && Text(bound[n]) is not null)
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(n => n, n => Text(bound[n])!, StringComparer.Ordinal);
            var auth = McpLocalServer.IsLocal(target.Url) ? McpAuth.None : state.Tokens.AuthFor(target.Url, null, null);
            var asked = state.Primitives.CompleteAsync(target, auth, prompt, template, parameterName, Engine.ToolCommands.PowerShellText.CompletionPrefix(wordToComplete), context, TimeSpan.FromSeconds(10), CancellationToken.None);
            _ = asked.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            if (!asked.Wait(BoundMilliseconds) || !asked.IsCompletedSuccessfully)
            {
                return [];
            }

            return asked.Result.Select(v => Completion.Result(v, v, $"{v} (suggested by the server)")).ToArray();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Tab offers nothing; the command itself says what is wrong when it runs.
            return [];
        }
    }

    /// <summary>The server to ask: a local server already running in this runspace, the -Uri, the -OrdId, or the one that listed it.</summary>
    private static McpTarget? Target(RunspaceState state, IDictionary bound, string? prompt, string? template)
    {
        if (Text(bound["Command"]) is { } command)
        {
            var arguments = bound["ArgumentList"] switch
            {
                null => [],
                string one => [one],
                IEnumerable many => many.Cast<object?>().Select(Text).OfType<string>().ToArray(),
                var other => [Text(other) ?? string.Empty],
            };
            var local = state.Connections.LocalServers.All.FirstOrDefault(s => s.Command == command && s.Arguments.SequenceEqual(arguments));
            return local is null ? null : new McpTarget(local.Endpoint);
        }

        if (Text(bound["Uri"]) is { } uri)
        {
            return new McpTarget(new Uri(uri));
        }

        if (Text(bound["OrdId"]) is { } ordId)
        {
            return state.Tokens.TargetForOrdId(ordId);
        }

        var listed = prompt is not null
            ? state.Primitives.KnownPrompts.Where(p => p.Name == prompt && p.OrdId is not null).Select(p => p.Target)
            : state.Primitives.KnownResources.Where(r => r.UriTemplate == template && r.OrdId is not null).Select(r => r.Target);
        var targets = listed.DistinctBy(t => t.Url).ToArray();
        return targets.Length == 1 ? targets[0] : null;
    }

    private static string? Text(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value) switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        Uri u => u.ToString(),
        var other when other.GetType().IsPrimitive => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
