using System.Management.Automation;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Runspace;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of every AgentGateway cmdlet. It owns cancellation (a token source per invocation,
/// cancelled by Ctrl+C through <see cref="StopProcessing"/>) and runs async engine work off the
/// pipeline thread while writing everything the work posts (objects, verbose lines, progress)
/// on the pipeline thread, where PowerShell requires it.
/// </summary>
public abstract class AgwCmdlet : PSCmdlet, IDisposable
{
    private readonly PipelinePump _pump = new();

    /// <summary>The trace of this cmdlet call: every request it makes carries it (unless the host has a current Activity).</summary>
    private object? _trace;
    private CancellationTokenSource? _cancellation;
    private volatile bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected internal CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

    private RunspaceState? _state;

    /// <summary>Who completes a sign-in that the engine work of this invocation needs (set by cmdlets that take -AuthorizationHandler).</summary>
    private protected IAuthorizationInteraction? SignIn { get; set; }

    /// <summary>The engine session of this runspace; taken on the pipeline thread, so engine work on other threads can use it.</summary>
    internal RunspaceState State => _state ??= RunspaceStates.Current;

    protected override void BeginProcessing()
    {
        _cancellation?.Dispose();
        _cancellation = new CancellationTokenSource();
        _state = RunspaceStates.Current;
        base.BeginProcessing();
    }

    protected override void StopProcessing()
    {
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The invocation already ended.
        }

        base.StopProcessing();
    }

    /// <summary>
    /// Queues an action (WriteObject, WriteVerbose, WriteProgress, ...) to run on the pipeline
    /// thread. Safe to call from any thread while <see cref="RunOnPipeline{T}"/> is waiting.
    /// </summary>
    protected void PostToPipeline(Action action)
    {
        // Work that outlives the pump (it should not) is dropped rather than written late.
        if (!_disposed)
        {
            _pump.Post(action);
        }
    }

    /// <summary>
    /// Keeps what engine work posts while no <see cref="RunOnPipeline{T}"/> runs (calls in flight between two piped
    /// inputs), to run it at the next one; false again drops what is posted outside a run.
    /// </summary>
    protected internal void KeepPostsBetweenRuns(bool keep) => _pump.Held = keep;

    /// <summary>
    /// Runs <paramref name="action"/> on the pipeline thread (posted there, while <see cref="RunOnPipeline{T}"/>
    /// waits) and completes with its result: for engine callbacks that need the host or a scriptblock. Ends with
    /// <paramref name="cancellationToken"/> when the pipeline is no longer pumping.
    /// </summary>
    internal Task<T> OnPipelineAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        PostToPipeline(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.TrySetResult(action());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs async work, running what it posts on this (the pipeline) thread until it ends.</summary>
    protected internal T RunOnPipeline<T>(Func<CancellationToken, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var token = CancellationToken;
        var sink = PipelineLogSink.For(this);

        // The work starts here, on the pipeline thread, up to its first wait (no hop to the thread pool
        // just to begin); the engine continues on the pool (ConfigureAwait(false)) while this thread pumps.
        return _pump.Run(() =>
        {
            using (CallLog.Use(sink))
            using (AgwTelemetry.BeginTrace(_trace ??= AgwTelemetry.NewTrace()))
            using (AuthorizationInteraction.Use(SignIn))
            {
                return work(token);
            }
        });
    }

    /// <inheritdoc cref="RunOnPipeline{T}(Func{CancellationToken, Task{T}})"/>
    protected internal void RunOnPipeline(Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        RunOnPipeline<bool>(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        });
    }

    // ---- what reaches the host ---------------------------------------------------------------------
    // Every message a cmdlet of the module writes to the verbose, debug, warning and progress streams, and what
    // -WhatIf and -Confirm show, passes through these (they hide Cmdlet's own, so a call from any cmdlet, from the
    // engine's call log or from McpHostInteraction lands here): server text in a message (names, descriptions,
    // log notifications, progress) reaches the terminal without control or bidirectional characters, and cut.

    /// <summary>Writes a verbose line, made fit for a terminal (<see cref="HostText.Line(string)"/>).</summary>
    public new void WriteVerbose(string text) => base.WriteVerbose(HostText.Line(text));

    /// <summary>Writes a debug line, made fit for a terminal.</summary>
    public new void WriteDebug(string text) => base.WriteDebug(HostText.Line(text));

    /// <summary>Writes a warning, made fit for a terminal.</summary>
    public new void WriteWarning(string text) => base.WriteWarning(HostText.Line(text));

    /// <summary>Writes a progress record whose activity, status and operation are made fit for a terminal.</summary>
    public new void WriteProgress(ProgressRecord progressRecord)
    {
        ArgumentNullException.ThrowIfNull(progressRecord);
        progressRecord.Activity = HostText.Line(progressRecord.Activity);
        progressRecord.StatusDescription = HostText.Line(progressRecord.StatusDescription);
        if (progressRecord.CurrentOperation is { } operation)
        {
            progressRecord.CurrentOperation = HostText.Line(operation);
        }

        base.WriteProgress(progressRecord);
    }

    /// <summary>-WhatIf and -Confirm, with the target and the action made fit for a terminal.</summary>
    public new bool ShouldProcess(string target, string action) => base.ShouldProcess(HostText.Line(target), HostText.Line(action));

    /// <summary>Whether this invocation shows a stream: its switch (-Verbose, -Debug) if given, else the preference variable.</summary>
    private bool Shows(string switchName, string preferenceVariable)
    {
        if (MyInvocation.BoundParameters.TryGetValue(switchName, out var given) && given is SwitchParameter switchParameter)
        {
            return switchParameter.IsPresent;
        }

        var preference = GetVariableValue(preferenceVariable);
        return preference switch
        {
            ActionPreference p => p is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore),
            null => false,
            _ => Enum.TryParse<ActionPreference>(preference.ToString(), ignoreCase: true, out var parsed) && parsed is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore),
        };
    }

    /// <summary>
    /// Writes the engine's call log to the verbose and debug streams, from the pipeline thread; only the
    /// streams this invocation shows, and none at all (no sink, no messages built) when it shows neither.
    /// </summary>
    private sealed class PipelineLogSink(AgwCmdlet cmdlet, bool verbose, bool debug) : ICallLogSink
    {
        public static PipelineLogSink? For(AgwCmdlet cmdlet)
        {
            var verbose = cmdlet.Shows("Verbose", "VerbosePreference");
            var debug = cmdlet.Shows("Debug", "DebugPreference");
            return verbose || debug ? new PipelineLogSink(cmdlet, verbose, debug) : null;
        }

        public bool Shows(CallLogLevel level) => level == CallLogLevel.Debug ? debug : verbose;

        public void Verbose(string message)
        {
            if (verbose)
            {
                cmdlet.PostToPipeline(() => cmdlet.WriteVerbose(message));
            }
        }

        public void Debug(string message)
        {
            if (debug)
            {
                cmdlet.PostToPipeline(() => cmdlet.WriteDebug(message));
            }
        }
    }

    /// <summary>Writes the engine's call log to the verbose and debug streams directly (synchronous work on the pipeline thread).</summary>
    private sealed class ImmediateLogSink(AgwCmdlet cmdlet) : ICallLogSink
    {
        public void Verbose(string message) => cmdlet.WriteVerbose(message);

        public void Debug(string message) => cmdlet.WriteDebug(message);
    }

    /// <summary>
    /// Runs engine work like <see cref="RunOnPipeline{T}"/>; a failure becomes a non-terminating
    /// error (terminating under -ErrorAction Stop) and the default value is returned.
    /// Ctrl+C stops the pipeline.
    /// </summary>
    protected internal bool TryRunOnPipeline<T>(Func<CancellationToken, Task<T>> work, object? target, out T? result)
    {
        try
        {
            result = RunOnPipeline(work);
            return true;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is not PipelineStoppedException and not ActionPreferenceStopException)
        {
            WriteError(ErrorRecords.From(e, target));
            result = default;
            return false;
        }
    }

    /// <summary>
    /// The user's JWT from -UserToken, or from -UserTokenProvider (a scriptblock run now, before
    /// the call, so long loops can hand in a refreshed JWT). Null for the system token.
    /// </summary>
    protected internal static string? ResolveUserJwt(System.Security.SecureString? userToken, ScriptBlock? userTokenProvider)
    {
        if (userTokenProvider is null)
        {
            return SecureStringTransformationAttribute.Reveal(userToken);
        }

        if (userToken is not null)
        {
            throw new ArgumentException("Pass -UserToken or -UserTokenProvider, not both.");
        }

        var produced = userTokenProvider.InvokeReturnAsIs();
        var value = produced is PSObject wrapped ? wrapped.BaseObject : produced;
        return value switch
        {
            string jwt when !string.IsNullOrWhiteSpace(jwt) => jwt,
            System.Security.SecureString secure => SecureStringTransformationAttribute.Reveal(secure),
            _ => throw new ArgumentException("-UserTokenProvider must return the user's JWT as a string or a SecureString."),
        };
    }

    /// <summary>Runs a synchronous engine step; a failure becomes a non-terminating error.</summary>
    protected internal bool TryEngine<T>(Func<T> step, object? target, out T? result)
    {
        try
        {
            // On the pipeline thread already: the engine's log lines (credentials loaded, ...) are written at once.
            using (CallLog.Use(new ImmediateLogSink(this)))
            {
                result = step();
            }

            return true;
        }
        catch (Exception e) when (e is not PipelineStoppedException and not ActionPreferenceStopException)
        {
            WriteError(ErrorRecords.From(e, target));
            result = default;
            return false;
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            _cancellation?.Dispose();
        }
    }
}
