using System.Globalization;
using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Mcp;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Calls one MCP tool: piped from Get-McpTool, or by name on a dependency (-OrdId), an endpoint (-Uri) or the one
/// dependency that has it. Binding and writing only: the engine prepares the call (AgwSession.PrepareCallAsync) and sends it.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "McpTool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ToolSet)]
[OutputType(typeof(McpToolResult))]
public sealed class InvokeMcpToolCommand : AgwCmdlet
{
    private const string ToolSet = "Tool";
    private const string OrdIdSet = "OrdId";
    private const string UriSet = "Uri";
    private const string NameSet = "Name";

    /// <summary>A tool from Get-McpTool.</summary>
    [Parameter(ParameterSetName = ToolSet, Mandatory = true, ValueFromPipeline = true)]
    public McpTool? Tool { get; set; }

    /// <summary>The tool's name; alone, the one dependency whose listing has it.</summary>
    [Parameter(ParameterSetName = NameSet, Mandatory = true, Position = 0)]
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

    /// <summary>
    /// Answers what the server asks during the call (elicitation), for scripts: gets the request (ServerName, Mode,
    /// Message, Url, Fields) and returns a hashtable of field values to accept, or $null to decline. Without it an
    /// interactive host prompts, and a host that cannot prompt declines with a warning.
    /// </summary>
    [Parameter]
    public ScriptBlock? ElicitationHandler { get; set; }

    /// <summary>How long this call may take; the config's timeout when not given.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryEngine(BindRequest, Arguments, out var request) ||
            !TryRunOnPipeline(ct => Session.PrepareCallAsync(request!, ct), null, out var call) || call is null ||
            !ShouldProcess(call.Description, call.Action))
        {
            return;
        }

        var activity = $"Invoking {call.ToolName}";
        var interaction = new McpHostInteraction(this, ElicitationHandler);
        if (!TryRunOnPipeline(
                ct =>
                {
                    // What the server asks during the call is answered here (the engine posts it to this thread).
                    using (McpInteraction.Use(interaction))
                    {
                        return call.InvokeAsync(p => PostToPipeline(() => WriteProgress(Describe(activity, p))), ct);
                    }
                },
                null,
                out var result) || result is null)
        {
            return;
        }

        var output = new McpToolResult(result);
        if (result.IsError)
        {
            WriteError(ErrorRecords.ToolError(output, call.ToolName, result.Text));
            return;
        }

        WriteObject(output);
    }

    /// <summary>The call as the parameters ask for it (the user's JWT from -UserTokenProvider is fetched here, on the pipeline thread).</summary>
    private McpCallRequest BindRequest() => new()
    {
        ToolName = Tool?.Name ?? Name!,
        Tool = Tool?.Info,
        OrdId = OrdId,
        Uri = Uri,
        Arguments = ToArgumentDictionary(Arguments),
        UserJwt = ResolveUserJwt(UserToken, UserTokenProvider),
        AccessToken = SecureStringTransformationAttribute.Reveal(AccessToken),
        SkipSchemaValidation = SkipSchemaValidation,
        Timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null,
    };

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
