using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Runspace;

namespace AgentGateway.Infrastructure;

/// <summary>
/// A prompt's arguments (Get-McpPromptMessage) and a resource template's variables (Read-McpResource) as parameters of
/// their own (<c>-destination</c>, <c>-city</c>), beside -Arguments, so that Tab can complete their values
/// (<see cref="McpPrimitiveArgumentCompleter"/>; PowerShell does not complete inside a hashtable). Made from a
/// template's own text, or from the prompt's listing: the runspace's, else its server's listed then (at Tab within
/// about a second in the background, when the command runs within its timeout; see GetMcpPromptMessageCommand). A name
/// that is not a plain word, or that is a parameter of the cmdlet or a common parameter, gets none (-Arguments still
/// takes it).
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
/// a server that declares completions), with the other values typed so far as context: besides the first listing of a
/// fresh session (the prompt's or template's server, started in the background) and the first listing of the names on
/// the line (<see cref="Completion.KnownOrListed"/>), the only places Tab uses the network.
/// It asks as the command would (-AccessToken for -Uri, -UserToken) and waits at most about a second in all
/// (<see cref="PrimitiveScope.TabBound"/>), so Tab never hangs (a slower answer still sets up the session, so the next
/// Tab is quick); it never starts a local server's process. The values are server text: each goes on the line as
/// exactly one argument (<see cref="Engine.ToolCommands.PowerShellText.CompletionText"/>); values with control
/// characters are left out, and at most 100 are offered.
/// </summary>
public sealed class McpPrimitiveArgumentCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var state = RunspaceStates.Current;
            var bound = fakeBoundParameters ?? new Hashtable();
            var prompt = commandName.EndsWith("Get-McpPromptMessage", StringComparison.OrdinalIgnoreCase) ? PrimitiveScope.Text(bound["Name"]) : null;
            var template = prompt is null ? PrimitiveScope.Text(bound["ResourceUri"]) : null;
            if ((prompt ?? template) is null || PrimitiveScope.OfLine(state, bound) is not { } scope || Target(state, scope, prompt, template, clock) is not { } target)
            {
                return [];
            }

            var names = prompt is not null
                ? state.Primitives.KnownPrompts.Where(p => p.Name == prompt && p.Url == target.Url).SelectMany(p => p.Arguments.Select(a => a.Name))
                : Engine.Mcp.Resources.McpUriTemplate.Variables(template!);
            var context = names
                .Where(n => !string.Equals(n, parameterName, StringComparison.OrdinalIgnoreCase) && PrimitiveScope.Text(bound[n]) is not null)
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(n => n, n => PrimitiveScope.Text(bound[n])!, StringComparer.Ordinal);
            var asked = state.Primitives.CompleteAsync(target, scope.Auth, prompt, template, parameterName, Engine.ToolCommands.PowerShellText.CompletionPrefix(wordToComplete), context, TimeSpan.FromSeconds(10), CancellationToken.None);
            _ = asked.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            if (!asked.Wait(Left(clock)) || !asked.IsCompletedSuccessfully)
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

    /// <summary>
    /// The server to ask: the local server, the -Uri, the -OrdId, or the one dependency that lists the prompt or a
    /// template of that text (in a session that has listed none of them, their listing is started in the background
    /// and waited for within the bound).
    /// </summary>
    private static McpTarget? Target(RunspaceState state, PrimitiveScope scope, string? prompt, string? template, System.Diagnostics.Stopwatch clock)
    {
        if (!scope.IsDependencies)
        {
            return scope.Targets[0];
        }

        McpTarget[] Listed() => (prompt is not null
                ? state.Primitives.KnownPrompts.Where(p => p.Name == prompt && scope.Has(p.Url)).Select(p => p.Target)
                : state.Primitives.KnownResources.Where(r => r.UriTemplate == template && scope.Has(r.Url)).Select(r => r.Target))
            .DistinctBy(t => t.Url)
            .ToArray();
        var targets = Listed();
        if (targets.Length == 0)
        {
            var listing = prompt is not null ? state.Primitives.ListPromptsInBackground(scope.Targets, scope.Auth) : state.Primitives.ListResourcesInBackground(scope.Targets, scope.Auth);
            listing.Wait(Left(clock));
            targets = Listed();
        }

        return targets.Length == 1 ? targets[0] : null;
    }

    /// <summary>What is left of <see cref="PrimitiveScope.TabBound"/>.</summary>
    private static TimeSpan Left(System.Diagnostics.Stopwatch clock) => PrimitiveScope.TabBound - clock.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero;
}
