using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of Import-McpTool and Export-McpToolModule: tools piped from Get-McpTool, or selected as Get-McpTool
/// selects them (it runs Get-McpTool itself, so listing, errors and tokens are the same), named and mapped to
/// parameters by the engine (<see cref="ToolCommand"/>).
/// </summary>
public abstract class ToolCommandCmdlet : ToolSelectionCmdlet
{
    protected const string ToolSet = "Tool";

    /// <summary>Marks the dynamic modules Import-McpTool makes (in their PrivateData), so an import replaces only its own.</summary>
    internal const string ModuleMarker = "AgentGatewayToolModule";

    private readonly List<McpToolInfo> _tools = [];
    private readonly HashSet<(Uri Url, string Name)> _added = [];

    /// <summary>Tools from Get-McpTool.</summary>
    [Parameter(ParameterSetName = ToolSet, Mandatory = true, ValueFromPipeline = true)]
    public McpTool[]? Tool { get; set; }

    /// <summary>Only these servers (ORD ids, wildcards allowed).</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>A prefix for the noun of every command (Find-&lt;Prefix&gt;Customer).</summary>
    [Parameter]
    [ValidatePattern(@"^[\p{L}\p{Nd}_-]*$")]
    public string? Prefix { get; set; }

    /// <summary>The tools selected so far, in the order they came.</summary>
    private protected IReadOnlyList<McpToolInfo> SelectedTools => _tools;

    /// <summary>PowerShell's approved verbs (what Get-Verb lists).</summary>
    protected static IReadOnlyList<string> ApprovedVerbs { get; } =
        new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToArray();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ToolSet)
        {
            foreach (var tool in Tool ?? [])
            {
                if (tool is not null && IsNameSelected(tool.Name))
                {
                    Add(tool.Info);
                }
            }

            return;
        }

        // The selection is Get-McpTool's own: the same listing, filters, errors and tokens.
        var listed = RunNested(ps =>
        {
            ps.AddCommand("AgentGateway\\Get-McpTool");
            foreach (var (key, value) in MyInvocation.BoundParameters)
            {
                if (key is nameof(Name) or nameof(OrdId) or nameof(Uri) or nameof(AccessToken) or nameof(UserToken) or nameof(UserTokenProvider) or nameof(AuthorizationHandler) or "Verbose" or "Debug"
                    or nameof(Command) or nameof(ArgumentList) or nameof(WorkingDirectory) or nameof(Environment))
                {
                    ps.AddParameter(key, value);
                }
            }
        });
        foreach (var item in listed)
        {
            if (item?.BaseObject is McpTool tool)
            {
                Add(tool.Info);
            }
        }
    }

    private void Add(McpToolInfo tool)
    {
        // The same tool piped twice is one command (a set, not a search of the list: a listing may have thousands).
        if (_added.Add((tool.Url, tool.Name)))
        {
            _tools.Add(tool);
        }
    }

    /// <summary>
    /// Commands for the selected tools, named around <paramref name="taken"/> (<see cref="ExistingCommandNames"/>); a
    /// warning for each whose name had to change and for each parameter the schema left without a usable range.
    /// </summary>
    private protected IReadOnlyList<ToolCommand> BuildCommands(IReadOnlySet<string> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        WriteStep("Naming the commands", 0);
        var commands = ToolCommand.ForTools(_tools, Prefix, ApprovedVerbs, taken.Contains, LocalServerOf);
        foreach (var command in commands)
        {
            var tool = $"Tool '{Shown(command.Tool.Name)}' of server '{Shown(command.Tool.ServerName)}'";
            if (command.CommandName.RenamedBecause is { } why)
            {
                WriteWarning(HostText.Line($"{tool} is {command.Name}, not {command.CommandName.PlainName}: {why}."));
            }

            foreach (var parameter in command.Parameters)
            {
                if (parameter.Warning is { } warning)
                {
                    WriteWarning(HostText.Line($"{tool}: the argument '{Shown(parameter.PropertyName)}' (-{parameter.Name}) has {warning}."));
                }

                if (parameter.RenamedBecause is not null)
                {
                    WriteVerbose(HostText.Line($"{command.Name}: the argument '{Shown(parameter.PropertyName)}' is the parameter -{parameter.Name} ({parameter.RenamedBecause})."));
                }
            }
        }

        return commands;
    }

    /// <summary>How a tool of a local server starts it (command, arguments, folder; never the environment), or null for an HTTP endpoint.</summary>
    private ToolLocalServer? LocalServerOf(Uri endpoint) =>
        State.Connections.LocalServers.Find(endpoint) is { } server ? new ToolLocalServer(server.Command, server.Arguments, server.WorkingDirectory, server.CommandLine, server.Environment) : null;

    /// <summary>A server's name for a message: fit for a terminal, and short enough to leave room for what the message says.</summary>
    protected static string Shown(string text) => HostText.Line(text, HostText.NameLength);

    /// <summary>
    /// The names of every existing command a generated name could meet (all are Verb-Noun), found in one search: loaded
    /// or in a module on PSModulePath (cmdlets, functions, aliases), and scripts and programs on PATH (also by their
    /// name without extension, as PowerShell finds them). One lookup per tool would cost a command search each
    /// (about 20 ms: thousands of tools took minutes). Without the functions of AgentGateway's own tool modules when
    /// <paramref name="ignoreToolModules"/>.
    /// </summary>
    protected IReadOnlySet<string> ExistingCommandNames(bool ignoreToolModules)
    {
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Get-Command").AddParameter("Name", "*-*").AddParameter("CommandType", CommandTypes.All).AddParameter("ErrorAction", ActionPreference.Ignore);
        var extensions = (System.Environment.GetEnvironmentVariable("PATHEXT") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Append(".ps1")
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in ps.Invoke())
        {
            if (item?.BaseObject is not CommandInfo command || (ignoreToolModules && command.Module is { } module && IsToolModule(module)))
            {
                continue;
            }

            names.Add(command.Name);
            if (command.CommandType is CommandTypes.Application or CommandTypes.ExternalScript && extensions.Contains(System.IO.Path.GetExtension(command.Name)))
            {
                names.Add(System.IO.Path.GetFileNameWithoutExtension(command.Name));
            }
        }

        return names;
    }

    /// <summary>The module text of <paramref name="commands"/> by <paramref name="write"/>, with progress per tool written.</summary>
    private protected string WriteScript(IReadOnlyList<ToolCommand> commands, Func<IProgress<int>, string> write)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(write);
        var shown = -1;
        return write(new SynchronousProgress<int>(done =>
        {
            var percent = commands.Count == 0 ? 100 : done * 100 / commands.Count;
            if (percent != shown)
            {
                shown = percent;
                WriteStep($"Writing the functions: {done} of {commands.Count}", percent);
            }
        }));
    }

    /// <summary>A step of the work, as progress (activity id 4).</summary>
    protected void WriteStep(string status, int percent) =>
        WriteProgress(new ProgressRecord(ProgressId, MyInvocation.MyCommand.Name, $"{_tools.Count} tool(s): {status}") { PercentComplete = Math.Clamp(percent, 0, 100) });

    /// <summary>The work is done: its progress bar goes.</summary>
    protected void WriteStepsDone() =>
        WriteProgress(new ProgressRecord(ProgressId, MyInvocation.MyCommand.Name, "Done") { RecordType = ProgressRecordType.Completed });

    private const int ProgressId = 4;

    /// <summary>A module Import-McpTool made.</summary>
    protected static bool IsToolModule(PSModuleInfo module) =>
        module.PrivateData is IDictionary data && data.Contains(ModuleMarker);

    /// <summary>Runs commands in this runspace (a nested pipeline); their errors become this cmdlet's non-terminating errors.</summary>
    protected Collection<PSObject> RunNested(Action<System.Management.Automation.PowerShell> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        build(ps);
        Collection<PSObject> output;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e) when (e.ErrorRecord is not null)
        {
            ThrowTerminatingError(e.ErrorRecord);
            throw;
        }

        foreach (var verbose in ps.Streams.Verbose)
        {
            WriteVerbose(verbose.Message);
        }

        foreach (var warning in ps.Streams.Warning)
        {
            WriteWarning(warning.Message);
        }

        foreach (var error in ps.Streams.Error)
        {
            WriteError(error);
        }

        return output;
    }
}
