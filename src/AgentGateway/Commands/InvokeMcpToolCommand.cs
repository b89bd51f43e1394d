using System.Globalization;
using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.ServerRequests;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Calls an MCP tool: piped from Get-McpTool, or by name on a dependency (-OrdId), an endpoint (-Uri) or the one
/// dependency that has it; with -Name, each piped hashtable or object is one call's arguments. Binding and writing only:
/// the engine prepares each call (RunspaceState.PrepareCallAsync) and sends it; with -ThrottleLimit above 1 the calls of
/// piped input run in an <see cref="OrderedWindow{TInput, TResult}"/> and their outcomes are written here, in input order.
/// </summary>
// The default set is Name: with -Name alone and piped arguments, PowerShell could not choose between the Name, OrdId
// and Uri sets otherwise; piped tools without -Name still bind the Tool set.
[Cmdlet(VerbsLifecycle.Invoke, "McpTool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
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

    /// <summary>The arguments: a hashtable, ordered dictionary or PSCustomObject; with -Name, piped ones are one call each.</summary>
    [Parameter(ParameterSetName = ToolSet, Position = 1)]
    [Parameter(ParameterSetName = NameSet, Position = 1, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = OrdIdSet, Position = 1, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = UriSet, Position = 1, ValueFromPipeline = true)]
    [Alias("Args")]
    public object? Arguments { get; set; }

    /// <summary>How many calls of piped input may be in flight at once (1: one after the other).</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 1;

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

    /// <summary>The calls in flight with -ThrottleLimit above 1, oldest first; made with the first input.</summary>
    private OrderedWindow<BatchItem, McpCallResult>? _batch;

    /// <summary>Every input is read (EndProcessing): the batch's total is known.</summary>
    private bool _inputEnded;

    /// <summary>Whether each piped object is one call's arguments (-Name with pipeline input).</summary>
    private bool ArgumentsPiped => ParameterSetName != ToolSet && MyInvocation.ExpectingInput;

    /// <summary>What a failed call's error names: the piped arguments object; otherwise what the failure names itself.</summary>
    private object? FailureTarget => ArgumentsPiped ? Arguments : null;

    protected override void ProcessRecord()
    {
        if (ThrottleLimit > 1)
        {
            InBatch(() =>
            {
                MakeRoom();
                StartCall();
            });
            return;
        }

        if (!TryEngine(BindRequest, Arguments, out var request) ||
            !TryRunOnPipeline(ct => State.PrepareCallAsync(request!, ct), FailureTarget, out var call) || call is null ||
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
                FailureTarget,
                out var result) || result is null)
        {
            return;
        }

        WriteResult(new BatchItem(FailureTarget, Arguments, call.ToolName), result);
    }

    protected override void EndProcessing()
    {
        if (_batch is not null)
        {
            // Every input is read: the total is known, the rest is written as it ends.
            _inputEnded = true;
            InBatch(() =>
            {
                while (_batch.Count > 0)
                {
                    WaitForOldest();
                }

                WriteBatchProgress(completed: true);
            });
            KeepPostsBetweenRuns(false);
        }

        base.EndProcessing();
    }

    /// <summary>
    /// Runs a step of a batch on the pipeline thread. Whatever ends the batch early (-ErrorAction Stop, Ctrl+C, a
    /// downstream Select-Object -First) cancels every call in flight, each server being told, before it goes on.
    /// </summary>
    private void InBatch(Action step)
    {
        try
        {
            step();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            CancelBatch();
            throw new PipelineStoppedException();
        }
        catch
        {
            CancelBatch();
            throw;
        }
    }

    /// <summary>Writes what has ended, then waits (running what the calls post) until the window has room for one more.</summary>
    private void MakeRoom()
    {
        if (_batch is null)
        {
            _batch = new OrderedWindow<BatchItem, McpCallResult>(ThrottleLimit, CancellationToken);
            KeepPostsBetweenRuns(true);
        }

        WriteEnded();
        while (_batch.IsFull)
        {
            WaitForOldest();
        }
    }

    private void WaitForOldest()
    {
        RunOnPipeline(ct => _batch!.WaitForOldestAsync(ct));
        WriteEnded();
    }

    /// <summary>
    /// Binds and prepares this input's call here, one input after another (the first may list the tools once; the
    /// others use that listing), asks -WhatIf/-Confirm, and starts it. A call that cannot be prepared takes its place
    /// in the window as a failure, so its error is written in input order too.
    /// </summary>
    private void StartCall()
    {
        McpPreparedCall call;
        var item = new BatchItem(FailureTarget, Arguments, Tool?.Name ?? Name!);
        try
        {
            var request = BindRequest();
            call = RunOnPipeline(ct => State.PrepareCallAsync(request, ct));
        }
        catch (Exception e) when (e is not (OperationCanceledException or PipelineStoppedException or ActionPreferenceStopException))
        {
            _batch!.StartFailed(item, e);
            return;
        }

        if (!ShouldProcess(call.Description, call.Action))
        {
            return;
        }

        // Started inside a pump, so each call keeps this invocation's verbose log and answers what its server asks here.
        var interaction = new McpHostInteraction(this, ElicitationHandler);
        RunOnPipeline(_ =>
        {
            using (McpInteraction.Use(interaction))
            {
                _batch!.Start(item, ct => call.InvokeAsync(null, ct));
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Writes every call at the head of the window that has ended, in input order.</summary>
    private void WriteEnded()
    {
        var any = false;
        while (_batch!.TryTake(out var outcome))
        {
            any = true;
            if (outcome.Error is { } error)
            {
                if (error is OperationCanceledException && CancellationToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }

                WriteError(ErrorRecords.From(error, outcome.Input.Target));
            }
            else
            {
                WriteResult(outcome.Input, outcome.Result!);
            }
        }

        if (any)
        {
            WriteBatchProgress(completed: false);
        }
    }

    /// <summary>
    /// A call's result; a tool that reported a failure is a non-terminating error carrying it (or the piped arguments).
    /// A result that cannot become PowerShell objects is that call's error, never the batch's end.
    /// </summary>
    private void WriteResult(BatchItem item, McpCallResult result)
    {
        McpToolResult output;
        try
        {
            output = new McpToolResult(result) { Arguments = item.Arguments };
        }
        catch (Exception e) when (e is not (OutOfMemoryException or PipelineStoppedException or OperationCanceledException))
        {
            WriteError(ErrorRecords.ResultNotConverted(e, item.Target ?? item.ToolName, item.ToolName, result.Server));
            return;
        }

        if (result.IsError)
        {
            WriteError(ErrorRecords.ToolError(item.Target ?? output, item.ToolName, result.Text));
            return;
        }

        WriteObject(output);
    }

    /// <summary>Cancels every call in flight and waits a little for them to end (each tells its server).</summary>
    private void CancelBatch()
    {
        if (_batch is null)
        {
            return;
        }

        _batch.Cancel();
        try
        {
            RunOnPipeline(_ => _batch.WhenAllEndedAsync().WaitAsync(s_cancelWait));
        }
        catch (Exception e) when (e is TimeoutException or PipelineStoppedException or ActionPreferenceStopException or OperationCanceledException)
        {
            // Stopping already: what has not ended by now ends on its own.
        }

        KeepPostsBetweenRuns(false);
    }

    /// <summary>How long a batch that stops waits for its cancelled calls to end.</summary>
    private static readonly TimeSpan s_cancelWait = TimeSpan.FromSeconds(2);

    /// <summary>The batch's one progress record: how many ended (of how many, once every input is read) and how many failed.</summary>
    private void WriteBatchProgress(bool completed)
    {
        var batch = _batch!;
        var activity = ParameterSetName == ToolSet ? "Invoking MCP tools" : $"Invoking {Name}";
        var total = completed || _inputEnded || !MyInvocation.ExpectingInput ? batch.Started : (long?)null;
        var status = total is { } t
            ? $"{batch.Taken} of {t} done, {batch.Failed} failed"
            : $"{batch.Taken} done, {batch.Count} in flight, {batch.Failed} failed";
        var record = new ProgressRecord(3, activity, status);
        if (total is > 0 and var known)
        {
            record.PercentComplete = (int)Math.Clamp(batch.Taken * 100 / known, 0, 100);
        }

        if (completed)
        {
            record.RecordType = ProgressRecordType.Completed;
        }

        WriteProgress(record);
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

    /// <summary>One call of a batch: what its error names (the piped arguments, or null), its arguments as given, the tool.</summary>
    private sealed record BatchItem(object? Target, object? Arguments, string ToolName);

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
        if ((arguments is PSObject wrapped ? wrapped.BaseObject : arguments) is McpTool)
        {
            throw new ArgumentException("A tool from Get-McpTool was piped with -Name: pipe tools without -Name (Get-McpTool echo | Invoke-McpTool), or pipe the arguments of each call with -Name.");
        }

        var plain = PowerShellJson.FromPowerShell(arguments);
        return plain switch
        {
            null => null,
            Dictionary<string, object?> dictionary => dictionary,
            _ => throw new ArgumentException($"-Arguments takes a hashtable, an ordered dictionary or a PSCustomObject, not {arguments!.GetType().Name}."),
        };
    }
}
