using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the tools of every MCP server the credentials name, or of one endpoint given by -Uri.</summary>
[Cmdlet(VerbsCommon.Get, "McpTool", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpTool))]
public sealed class GetMcpToolCommand : ToolSelectionCmdlet
{
    /// <summary>Only these servers (ORD ids, wildcards allowed); filtered before any request.</summary>
    [Parameter(ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>The user's JWT: list with the user's exchanged token instead of the system token.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>A scriptblock that returns the user's JWT, run before the listing.</summary>
    [Parameter]
    public ScriptBlock? UserTokenProvider { get; set; }

    /// <summary>How long the listing may take (every server, its token, session setup and pages); the config's timeout when not given.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryEngine(() => ResolveUserJwt(UserToken, UserTokenProvider), null, out var userJwt))
        {
            return;
        }

        IReadOnlyList<McpTarget>? targets;
        McpAuth? auth;
        if (ParameterSetName == UriSet)
        {
            if (!TryEngine(() => new McpTarget(Uri!), Uri, out var target) || target is null ||
                !TryEngine(() => State.Tokens.AuthFor(target.Url, userJwt, SecureStringTransformationAttribute.Reveal(AccessToken)), Uri, out auth))
            {
                return;
            }

            targets = [target];
        }
        else
        {
            // A literal ORD id that names no dependency is an error; a wildcard that matches none is not.
            var literals = OrdId?.Where(o => !WildcardPattern.ContainsWildcardCharacters(o)).ToArray() ?? [];
            if (literals.Length > 0)
            {
                TryEngine(() => { State.Tokens.ThrowIfNoDependency(literals); return true; }, null, out _);
            }

            var filters = OrdId?.Select(o => WildcardPattern.Get(o, WildcardOptions.IgnoreCase)).ToArray();
            if (!TryEngine(() => State.Tokens.DependencyTargets(d => filters is null || filters.Any(f => f.IsMatch(d.OrdId))), OrdId, out targets) || targets is null || targets.Count == 0)
            {
                return;
            }

            if (!TryEngine(() => State.Tokens.AuthFor(targets[0].Url, userJwt, null), targets[0].Url, out auth))
            {
                return;
            }
        }

        const string Activity = "Listing MCP tools";
        if (targets.Count > 1)
        {
            WriteProgress(new ProgressRecord(1, Activity, $"{targets.Count} server(s)"));
        }

        TimeSpan? timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null;
        if (!TryRunOnPipeline(ct => State.Tools.ListToolsAsync(targets, auth!, timeout, ct), null, out var listings) || listings is null)
        {
            return;
        }

        var listed = new List<McpToolInfo>();
        for (var i = 0; i < listings.Count; i++)
        {
            var listing = listings[i];
            if (targets.Count > 1)
            {
                WriteProgress(new ProgressRecord(1, Activity, listing.Target.ToString()) { PercentComplete = (i + 1) * 100 / listings.Count });
            }

            if (listing.Error is not null)
            {
                WriteError(ErrorRecords.From(listing.Error, (object?)listing.Target.Dependency?.OrdId ?? listing.Target.Url));
                continue;
            }

            listed.AddRange(listing.Tools!);
            foreach (var tool in listing.Tools!)
            {
                if (IsNameSelected(tool.Name) && Usable(tool) is { } usable)
                {
                    WriteObject(usable);
                }
            }
        }

        // A literal name that matches no listed tool is an error (with the closest names); a wildcard that matches none is not.
        var listedCount = listings.Count(l => l.Succeeded);
        foreach (var literal in Name?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)) ?? [])
        {
            if (listedCount > 0)
            {
                TryEngine(() => { McpToolLookup.ThrowIfNoneNamed(literal, listed, $"the {listedCount} server(s) listed"); return true; }, literal, out _);
            }
        }

        if (targets.Count > 1)
        {
            WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
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
            WriteError(ErrorRecords.From(tool.Unusable()));
            return null;
        }

        try
        {
            return new McpTool(tool);
        }
        catch (Exception e) when (e is ArgumentException or ExtendedTypeSystemException or InvalidOperationException)
        {
            // A property PowerShell cannot have (an empty name, a name given twice).
            WriteError(ErrorRecords.From(McpGatewayException.UnusableSchema(tool.Name, tool.ServerName, tool.Url, $"it cannot be made PowerShell objects ({e.Message})")));
            return null;
        }
    }
}
