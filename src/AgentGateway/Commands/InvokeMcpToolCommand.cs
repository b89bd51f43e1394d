using System.Globalization;
using System.Management.Automation;
using System.Security;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Mcp;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Calls one MCP tool: piped from Get-McpTool, or by name on a dependency (-OrdId) or an endpoint (-Uri).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "McpTool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ToolSet)]
[OutputType(typeof(McpToolResult))]
public sealed class InvokeMcpToolCommand : AgwCmdlet
{
    private const string ToolSet = "Tool";
    private const string OrdIdSet = "OrdId";
    private const string UriSet = "Uri";

    /// <summary>A tool from Get-McpTool.</summary>
    [Parameter(ParameterSetName = ToolSet, Mandatory = true, ValueFromPipeline = true)]
    public McpTool? Tool { get; set; }

    /// <summary>The tool's name.</summary>
    [Parameter(ParameterSetName = OrdIdSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = UriSet, Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(McpToolNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The ORD id of the dependency whose server has the tool.</summary>
    [Parameter(ParameterSetName = OrdIdSet, Mandatory = true)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string? OrdId { get; set; }

    /// <summary>The MCP endpoint that has the tool.</summary>
    [Parameter(ParameterSetName = UriSet, Mandatory = true)]
    public Uri? Uri { get; set; }

    /// <summary>A token for an endpoint outside the gateway.</summary>
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>The arguments: a hashtable, ordered dictionary or PSCustomObject.</summary>
    [Parameter(Position = 1)]
    [Alias("Args")]
    public object? Arguments { get; set; }

    /// <summary>The user's JWT: call with the user's exchanged token (principal propagation).</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>A scriptblock that returns the user's JWT, run before each call (for loops where the JWT is refreshed).</summary>
    [Parameter]
    public ScriptBlock? UserTokenProvider { get; set; }

    /// <summary>Send the arguments without checking them against the tool's inputSchema.</summary>
    [Parameter]
    public SwitchParameter SkipSchemaValidation { get; set; }

    /// <summary>How long this call may take; the config's timeout when not given.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        var toolName = Tool?.Name ?? Name!;
        McpTarget? target;
        switch (ParameterSetName)
        {
            case ToolSet:
                target = McpTarget.ForTool(Tool!.Info);
                break;
            case OrdIdSet:
                if (!TryEngine(() => Session.TargetForOrdId(OrdId!), OrdId, out target))
                {
                    return;
                }

                break;
            default:
                if (!TryEngine(() => new McpTarget(Uri!), Uri, out target))
                {
                    return;
                }

                break;
        }

        // The arguments are built as JSON once: checked, shown by -WhatIf and sent as this one object.
        if (!TryEngine(() => ArgumentJson.ToJsonObject(ToArgumentDictionary(Arguments)), Arguments, out var arguments) ||
            !TryEngine(() => Session.AuthFor(target!.Url, ResolveUserJwt(UserToken, UserTokenProvider), SecureStringTransformationAttribute.Reveal(AccessToken)), target!.Url, out var auth) ||
            !(SkipSchemaValidation || CheckArguments(target, auth!, toolName, arguments!)))
        {
            return;
        }

        var argumentText = Arguments is null ? "no arguments" : $"arguments {ArgumentJson.ToText(arguments)}";
        if (!ShouldProcess($"tool '{toolName}' on {target}", $"Invoke with {argumentText}"))
        {
            return;
        }

        TimeSpan? timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null;
        var activity = $"Invoking {toolName}";
        if (!TryRunOnPipeline(ct => Session.CallToolJsonAsync(target, auth!, toolName, arguments, p => PostToPipeline(() => WriteProgress(Describe(activity, p))), timeout, ct), target.Url, out var result) || result is null)
        {
            return;
        }

        var output = new McpToolResult(result);
        if (result.IsError)
        {
            WriteError(ErrorRecords.ToolError(output, toolName, result.Text));
            return;
        }

        WriteObject(output);
    }

    /// <summary>
    /// Checks the arguments against the tool's inputSchema before anything is sent: the piped tool's schema,
    /// else the one the session knows or lists once for that endpoint. A tool the listing lacks is left to the server.
    /// </summary>
    private bool CheckArguments(McpTarget target, McpAuth auth, string toolName, JsonObject arguments)
    {
        // Known tools are looked up here, on the pipeline thread; only an endpoint never listed costs a round trip.
        var tool = Tool?.Info ?? Session.FindKnownTool(target.Url, auth, toolName);
        if (tool is null && !TryRunOnPipeline<McpToolInfo?>(ct => Session.FindToolAsync(target, auth, toolName, ct), target.Url, out tool))
        {
            return false;
        }

        return tool is null || TryEngine(() => { ToolArgumentValidator.ThrowIfInvalid(tool, arguments); return true; }, toolName, out _);
    }

    /// <summary>A new record per notification: the host may keep the records it was given.</summary>
    private static ProgressRecord Describe(string activity, McpProgress progress)
    {
        var record = new ProgressRecord(2, activity, string.IsNullOrEmpty(progress.Message) ? progress.Progress.ToString(CultureInfo.InvariantCulture) : progress.Message);
        if (progress.Total is > 0 and var total)
        {
            record.PercentComplete = (int)Math.Clamp(progress.Progress * 100 / total, 0, 100);
        }

        return record;
    }

    /// <summary>The arguments as a string-keyed dictionary of plain .NET values; anything else is refused.</summary>
    private static IReadOnlyDictionary<string, object?>? ToArgumentDictionary(object? arguments)
    {
        var plain = PowerShellJson.FromPowerShell(arguments);
        return plain switch
        {
            null => null,
            Dictionary<string, object?> dictionary => dictionary,
            _ => throw new ArgumentException($"-Arguments takes a hashtable, an ordered dictionary or a PSCustomObject, not {arguments!.GetType().Name}."),
        };
    }
}
