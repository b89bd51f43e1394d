using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace AgentGateway.Infrastructure;

/// <summary>Completes a resource's -Name from the resources this runspace has seen listed (Get-McpResource); never calls the network.</summary>
public sealed class McpResourceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = Completion.Pattern(wordToComplete);
        return RunspaceStates.Current.Primitives.KnownResources
            .Where(r => pattern.IsMatch(r.Name))
            .GroupBy(r => r.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => Completion.Result(WildcardPattern.Escape(g.Key), g.Key, $"{g.Key} ({string.Join(", ", g.Select(r => r.ServerName).Distinct())}): {g.First().Description}"));
    }
}

/// <summary>Completes -ResourceUri from the resource URIs and templates this runspace has seen listed (Get-McpResource); never calls the network.</summary>
public sealed class McpResourceUriCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = Completion.Pattern(wordToComplete);
        var wildcards = string.Equals(commandName, "Get-McpResource", StringComparison.OrdinalIgnoreCase);
        return RunspaceStates.Current.Primitives.KnownResources
            .Select(r => (Address: r.Uri ?? r.UriTemplate!, Resource: r))
            .Where(r => pattern.IsMatch(r.Address))
            .GroupBy(r => r.Address, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => Completion.Result(wildcards ? WildcardPattern.Escape(g.Key) : g.Key, g.Key, $"{g.First().Resource.Name} ({g.First().Resource.ServerName}): {g.First().Resource.Description}"));
    }
}

/// <summary>Completes a prompt's -Name from the prompts this runspace has seen listed (Get-McpPrompt); never calls the network.</summary>
public sealed class McpPromptNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = Completion.Pattern(wordToComplete);
        var wildcards = string.Equals(commandName, "Get-McpPrompt", StringComparison.OrdinalIgnoreCase);
        return RunspaceStates.Current.Primitives.KnownPrompts
            .Where(p => pattern.IsMatch(p.Name))
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => Completion.Result(wildcards ? WildcardPattern.Escape(g.Key) : g.Key, g.Key, $"{g.Key} ({string.Join(", ", g.Select(p => p.ServerName).Distinct())}): {g.First().Description}"));
    }
}
