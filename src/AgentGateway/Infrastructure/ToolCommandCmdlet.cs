using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;
using System.Security;
using AgentGateway.Engine.Mcp;
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

    /// <summary>Tools from Get-McpTool.</summary>
    [Parameter(ParameterSetName = ToolSet, Mandatory = true, ValueFromPipeline = true)]
    public McpTool[]? Tool { get; set; }

    /// <summary>Only these servers (ORD ids, wildcards allowed).</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>The user's JWT, for the listing only: list with the user's exchanged token.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>A scriptblock that returns the user's JWT, run before the listing.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [Parameter(ParameterSetName = UriSet)]
    public ScriptBlock? UserTokenProvider { get; set; }

    /// <summary>A prefix for the noun of every command (Find-&lt;Prefix&gt;Customer).</summary>
    [Parameter]
    [ValidatePattern(@"^[\p{L}\p{Nd}_-]*$")]
    public string? Prefix { get; set; }

    /// <summary>The tools selected so far, in the order they came.</summary>
    protected IReadOnlyList<McpToolInfo> SelectedTools => _tools;

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
                if (key is nameof(Name) or nameof(OrdId) or nameof(Uri) or nameof(AccessToken) or nameof(UserToken) or nameof(UserTokenProvider) or "Verbose" or "Debug")
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
        // The same tool piped twice is one command.
        if (!_tools.Any(t => t.Url == tool.Url && t.Name == tool.Name))
        {
            _tools.Add(tool);
        }
    }

    /// <summary>Commands for the selected tools; a warning for each whose name had to change.</summary>
    protected IReadOnlyList<ToolCommand> BuildCommands(Func<string, bool> isTaken)
    {
        var commands = ToolCommand.ForTools(_tools, Prefix, ApprovedVerbs, isTaken);
        foreach (var command in commands)
        {
            if (command.CommandName.RenamedBecause is { } why)
            {
                WriteWarning($"Tool '{HostText.Line(command.Tool.Name, HostText.NameLength)}' of server '{HostText.Line(command.Tool.ServerName, HostText.NameLength)}' is {command.Name}, not {HostText.Line(command.CommandName.PlainName, HostText.NameLength)}: {why}.");
            }

            foreach (var parameter in command.Parameters.Where(p => p.RenamedBecause is not null))
            {
                WriteVerbose($"{command.Name}: the argument '{HostText.Line(parameter.PropertyName, HostText.NameLength)}' is the parameter -{parameter.Name} ({parameter.RenamedBecause}).");
            }
        }

        return commands;
    }

    /// <summary>Whether a command of that name exists, other than the functions of AgentGateway's own tool modules when <paramref name="ignoreToolModules"/>.</summary>
    protected bool CommandExists(string name, bool ignoreToolModules)
    {
        var found = InvokeCommand.GetCommand(name, CommandTypes.All);
        return found is not null && !(ignoreToolModules && found.Module is { } module && IsToolModule(module));
    }

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
