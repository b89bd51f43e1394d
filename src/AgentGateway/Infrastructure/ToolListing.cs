using System.Management.Automation;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The pipeline side of Get-McpTool's listing: which endpoints to list with which auth (one -Uri, or the dependencies
/// whose ORD ids match), the listing itself (the engine's <c>ToolCatalogue.ListToolsAsync</c>), and what is written:
/// each selected tool, a non-terminating error per server that failed and per tool that cannot be used (one bad
/// server or tool spoils only itself), an error per literal name or ORD id that matches nothing (a wildcard that
/// matches nothing is none), and one progress activity when there are several servers.
/// </summary>
internal sealed class ToolListing(AgwCmdlet cmdlet, Func<string, bool> isNameSelected)
{
    private const string Activity = "Listing MCP tools";

    /// <summary>The endpoint of -Uri and its auth; false after a non-terminating error naming the endpoint.</summary>
    public bool TryResolve(Uri uri, string? userJwt, string? accessToken, out IReadOnlyList<McpTarget> targets, out McpAuth? auth)
    {
        targets = [];
        auth = null;
        if (!cmdlet.TryEngine(() => new McpTarget(uri), uri, out var target) || target is null ||
            !cmdlet.TryEngine(() => cmdlet.State.Tokens.AuthFor(target.Url, userJwt, accessToken), uri, out auth))
        {
            return false;
        }

        targets = [target];
        return true;
    }

    /// <summary>
    /// The dependencies whose ORD id matches <paramref name="ordIds"/> (all when null; wildcards allowed) and the auth of
    /// the gateway; false after a non-terminating error, or when none matches.
    /// </summary>
    public bool TryResolve(string[]? ordIds, string? userJwt, out IReadOnlyList<McpTarget> targets, out McpAuth? auth)
    {
        targets = [];
        auth = null;

        // A literal ORD id that names no dependency is an error; a wildcard that matches none is not.
        var literals = ordIds?.Where(o => !WildcardPattern.ContainsWildcardCharacters(o)).ToArray() ?? [];
        if (literals.Length > 0)
        {
            cmdlet.TryEngine(() => { cmdlet.State.Tokens.ThrowIfNoDependency(literals); return true; }, null, out _);
        }

        var filters = ordIds?.Select(o => WildcardPattern.Get(o, WildcardOptions.IgnoreCase)).ToArray();
        if (!cmdlet.TryEngine(() => cmdlet.State.Tokens.DependencyTargets(d => filters is null || filters.Any(f => f.IsMatch(d.OrdId))), ordIds, out var found) ||
            found is null || found.Count == 0)
        {
            return false;
        }

        targets = found;
        return cmdlet.TryEngine(() => cmdlet.State.Tokens.AuthFor(found[0].Url, userJwt, null), found[0].Url, out auth);
    }

    /// <summary>Lists every target within <paramref name="timeout"/> and writes what was selected (see the type).</summary>
    public void ListAndWrite(IReadOnlyList<McpTarget> targets, McpAuth auth, TimeSpan? timeout, IEnumerable<string>? names)
    {
        if (targets.Count > 1)
        {
            cmdlet.WriteProgress(new ProgressRecord(1, Activity, $"{targets.Count} server(s)"));
        }

        if (!cmdlet.TryRunOnPipeline(ct => cmdlet.State.Tools.ListToolsAsync(targets, auth, timeout, ct), null, out var listings) || listings is null)
        {
            return;
        }

        var listed = new List<McpToolInfo>();
        for (var i = 0; i < listings.Count; i++)
        {
            var listing = listings[i];
            if (targets.Count > 1)
            {
                cmdlet.WriteProgress(new ProgressRecord(1, Activity, listing.Target.ToString()) { PercentComplete = (i + 1) * 100 / listings.Count });
            }

            if (listing.Error is not null)
            {
                cmdlet.WriteError(ErrorRecords.From(listing.Error, (object?)listing.Target.Dependency?.OrdId ?? listing.Target.Url));
                continue;
            }

            listed.AddRange(listing.Tools!);
            foreach (var tool in listing.Tools!)
            {
                if (isNameSelected(tool.Name) && Usable(tool) is { } usable)
                {
                    cmdlet.WriteObject(usable);
                }
            }
        }

        // A literal name that matches no listed tool is an error (with the closest names); a wildcard that matches none is not.
        var listedCount = listings.Count(l => l.Succeeded);
        foreach (var literal in names?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)) ?? [])
        {
            if (listedCount > 0)
            {
                cmdlet.TryEngine(() => { McpToolLookup.ThrowIfNoneNamed(literal, listed, $"the {listedCount} server(s) listed"); return true; }, literal, out _);
            }
        }

        if (targets.Count > 1)
        {
            cmdlet.WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// The tool as written, or null after a non-terminating error naming the server and the tool when it cannot be
    /// used (its entry or inputSchema, or a schema PowerShell cannot hold): one bad tool spoils only itself.
    /// </summary>
    private McpTool? Usable(McpToolInfo tool)
    {
        if (tool.Problem is not null)
        {
            cmdlet.WriteError(ErrorRecords.From(tool.Unusable()));
            return null;
        }

        try
        {
            return new McpTool(tool);
        }
        catch (Exception e) when (e is ArgumentException or ExtendedTypeSystemException or InvalidOperationException)
        {
            // A property PowerShell cannot have (an empty name, a name given twice).
            cmdlet.WriteError(ErrorRecords.From(McpGatewayException.UnusableSchema(tool.Name, tool.ServerName, tool.Url, $"it cannot be made PowerShell objects ({e.Message})")));
            return null;
        }
    }
}
