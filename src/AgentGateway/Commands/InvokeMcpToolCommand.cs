using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.ServerRequests;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Calls an MCP tool: piped from Get-McpTool, or by name on a dependency (-OrdId), an endpoint (-Uri) or the one
/// dependency that has it; with -Name, each piped hashtable or object is one call's arguments. Binding and writing only:
/// the engine prepares each call (RunspaceState.PrepareCallAsync) and sends it; with -ThrottleLimit above 1 the calls of
/// piped input run in a <see cref="PipelineBatch{TInput, TResult}"/>, which writes their outcomes in input order.
/// </summary>
// The default set is Name: with -Name alone and piped arguments, PowerShell could not choose between the Name, OrdId
// and Uri sets otherwise; piped tools without -Name still bind the Tool set.
[Cmdlet(VerbsLifecycle.Invoke, "McpTool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(McpToolResult))]
public sealed class InvokeMcpToolCommand : UserEndpointCmdlet
{
    private const string ToolSet = "Tool";
    private const string OrdIdSet = "OrdId";
    private const string NameSet = "Name";

    /// <summary>A tool from Get-McpTool.</summary>
    [Parameter(ParameterSetName = ToolSet, Mandatory = true, ValueFromPipeline = true)]
    public McpTool? Tool { get; set; }

    /// <summary>The tool's name; alone, the one dependency whose listing has it.</summary>
    [Parameter(ParameterSetName = NameSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = OrdIdSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = UriSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = CommandSet, Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(McpToolNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The ORD id of the dependency whose server has the tool.</summary>
    [Parameter(ParameterSetName = OrdIdSet, Mandatory = true)]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string? OrdId { get; set; }

    /// <summary>A token for an endpoint outside the gateway.</summary>
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>The arguments: a hashtable, ordered dictionary or PSCustomObject; with -Name, piped ones are one call each.</summary>
    [Parameter(ParameterSetName = ToolSet, Position = 1)]
    [Parameter(ParameterSetName = NameSet, Position = 1, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = OrdIdSet, Position = 1, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = UriSet, Position = 1, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = CommandSet, Position = 1, ValueFromPipeline = true)]
    [Alias("Args")]
    public object? Arguments { get; set; }

    /// <summary>How many calls of piped input may be in flight at once (1: one after the other).</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 1;

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

    /// <summary>
    /// Completes a sign-in when an MCP server outside the gateway asks for one (its own authorization server): gets the
    /// authorization URL (and the request: RedirectUri, Issuer, Endpoint) and returns the URL the browser was redirected to.
    /// </summary>
    [Parameter]
    public ScriptBlock? AuthorizationHandler { get; set; }

    /// <summary>The calls of piped input with -ThrottleLimit above 1, in flight and written in input order; made with the first input.</summary>
    private PipelineBatch<CallItem, McpCallResult>? _batch;
    private Uri? _batchEndpoint;

    /// <summary>Whether each piped object is one call's arguments (-Name with pipeline input).</summary>
    private bool ArgumentsPiped => ParameterSetName != ToolSet && MyInvocation.ExpectingInput;

    /// <summary>What a failed call's error names: the piped arguments object; otherwise what the failure names itself.</summary>
    private object? FailureTarget => ArgumentsPiped ? Arguments : null;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        SignIn = SignInInteraction.For(this, AuthorizationHandler);
    }

    protected override void ProcessRecord()
    {
        var item = new CallItem(FailureTarget, Arguments, Tool?.Name ?? Name!);
        if (ThrottleLimit > 1)
        {
            // Bound and prepared here, one input after another (the first may list the tools once; the others use that
            // listing); the batch starts it when the window has room and writes its outcome in input order.
            _batch ??= new PipelineBatch<CallItem, McpCallResult>(
                this, ThrottleLimit, ParameterSetName == ToolSet ? "Invoking MCP tools" : $"Invoking {Name}", i => i.Target, (i, result) => i.Write(this, result));
            _batch.Add(
                item,
                () =>
                {
                    var request = BindRequest();
                    return RunOnPipeline(ct => State.PrepareCallAsync(request, ct));
                },
                call => ShouldProcess(call.Description, call.Action) ? Invoker(Throttled(call), progress: null) : null);
            return;
        }

        if (!TryEngine(BindRequest, Arguments, out var bound) ||
            !TryRunOnPipeline(ct => State.PrepareCallAsync(bound!, ct), FailureTarget, out var prepared) || prepared is null ||
            !ShouldProcess(prepared.Description, prepared.Action))
        {
            return;
        }

        var activity = $"Invoking {prepared.ToolName}";
        var invoke = Invoker(prepared, new SynchronousProgress<McpProgress>(p => PostToPipeline(() => WriteProgress(ProgressRecords.Of(activity, p)))));
        if (TryRunOnPipeline(invoke, FailureTarget, out var result) && result is not null)
        {
            item.Write(this, result);
        }
    }

    /// <summary>
    /// The batch follows the push-back of the call's endpoint: fewer in flight after a 429, and its progress says so.
    /// The endpoint's limiter holds each request back in the engine (McpQuotaHandler); as the window's running limit it
    /// also keeps the batch from starting calls (and reading input) that would only wait there, their -TimeoutSec
    /// running. A batch whose calls go to several endpoints is left to the engine's limiters alone.
    /// </summary>
    private McpPreparedCall Throttled(McpPreparedCall call)
    {
        var endpoint = call.Target.Url;
        if (_batchEndpoint is null)
        {
            _batchEndpoint = endpoint;
            _batch!.RunningLimit = State.Connections.LimitOf(endpoint);
            _batch.Throttling = () => State.Connections.ThrottleOf(endpoint) is (true, var inFlight) ? $"throttled by the server: at most {inFlight} in flight" : null;
        }
        else if (_batchEndpoint != endpoint)
        {
            _batch!.RunningLimit = null;
            _batch.Throttling = null;
        }

        return call;
    }

    protected override void EndProcessing()
    {
        _batch?.Complete();
        base.EndProcessing();
    }

    /// <summary>
    /// The call's start: what the server asks during it (elicitation) is answered on this pipeline thread, through the
    /// interaction set for its async flow (the engine posts its questions here).
    /// </summary>
    private Func<CancellationToken, Task<McpCallResult>> Invoker(McpPreparedCall call, IProgress<McpProgress>? progress)
    {
        var interaction = new McpHostInteraction(this, ElicitationHandler);
        return ct =>
        {
            using (McpInteraction.Use(interaction))
            {
                return call.InvokeAsync(progress, ct);
            }
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Stopped while upstream had the thread: what is still in flight is cancelled (each server told).
            _batch?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The call as the parameters ask for it (the user's JWT from -UserTokenProvider is fetched here, on the pipeline thread).</summary>
    private McpCallRequest BindRequest() => new()
    {
        ToolName = Tool?.Name ?? Name!,
        Tool = Tool?.Info,
        OrdId = OrdId,
        Uri = ParameterSetName == CommandSet ? LocalEndpoint() : Uri,
        Arguments = CallArguments.From(Arguments),
        UserJwt = UserJwt(),
        AccessToken = SecureStringTransformationAttribute.Reveal(AccessToken),
        SkipSchemaValidation = SkipSchemaValidation,
        Timeout = Timeout,
    };
}
