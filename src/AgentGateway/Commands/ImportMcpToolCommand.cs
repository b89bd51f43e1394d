using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AgentGateway.Engine.ToolCommands;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Makes every selected tool a PowerShell function, in one dynamic module per server (named for the server):
/// typed parameters from the inputSchema, help, completion, pipeline input; each call goes through Invoke-McpTool.
/// </summary>
[Cmdlet(VerbsData.Import, "McpTool", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(PSModuleInfo))]
public sealed class ImportMcpToolCommand : ToolCommandCmdlet
{
    /// <summary>Return the module(s) made.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (SelectedTools.Count == 0)
        {
            WriteWarning("No tool matched: no module was made. Get-McpTool shows the tools the selection reaches.");
            return;
        }

        // One module per endpoint, named for its server; two endpoints of one server name are told apart by number.
        var endpoints = SelectedTools.GroupBy(t => t.Url).ToArray();
        var moduleNames = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var stem = ToolModuleScript.ModuleNameFor(endpoint.First().ServerName);
            var name = stem;
            for (var n = 2; moduleNames.Contains(name, StringComparer.OrdinalIgnoreCase); n++)
            {
                name = $"{stem}-{n}";
            }

            moduleNames.Add(name);
        }

        // Importing again replaces the module: its functions go before names are chosen, so they do not count as taken.
        foreach (var name in moduleNames)
        {
            foreach (var loaded in RunNested(ps => ps.AddCommand("Get-Module").AddParameter("Name", WildcardPattern.Escape(name))))
            {
                if (loaded.BaseObject is PSModuleInfo module)
                {
                    if (!IsToolModule(module))
                    {
                        ThrowTerminatingError(ErrorRecords.ToolModuleNameInUse(name));
                    }

                    RunNested(ps => ps.AddCommand("Remove-Module").AddParameter("ModuleInfo", module).AddParameter("Force"));
                }
            }
        }

        var commands = BuildCommands(ExistingCommandNames(ignoreToolModules: false));
        var byEndpoint = commands.ToLookup(c => c.Tool.Url);
        for (var i = 0; i < endpoints.Length; i++)
        {
            var module = NewModule(moduleNames[i], byEndpoint[endpoints[i].Key].ToArray());
            if (module is not null && PassThru)
            {
                WriteObject(module);
            }
        }

        WriteStepsDone();
    }

    /// <summary>From this many tools on, the functions are parsed in parallel.</summary>
    private const int ManyTools = 100;

    /// <summary>Script blocks of the function definitions, the parts parsed in parallel (the parser is pure); a parse error is thrown as ScriptBlock.Create would.</summary>
    private static ScriptBlock[] Parse(IReadOnlyList<string> parts)
    {
        var asts = new ScriptBlockAst[parts.Count];
        var errors = new ParseError[parts.Count][];
        Parallel.For(0, parts.Count, i => asts[i] = Parser.ParseInput(parts[i], out _, out errors[i]));
        var all = errors.SelectMany(e => e).ToArray();
        if (all.Length > 0)
        {
            throw new ParseException(all);
        }

        return asts.Select(a => a.GetScriptBlock()).ToArray();
    }

    private PSModuleInfo? NewModule(string name, IReadOnlyList<ToolCommand> commands)
    {
        // Parsing is most of an import of thousands of tools: the functions come in parts, each parsed on a core of its own.
        var parts = WriteScript(commands, progress => ToolModuleScript.Functions(commands, commands.Count < ManyTools ? 1 : 2 * Environment.ProcessorCount, progress));
        WriteStep($"Loading module '{name}' ({commands.Count} function(s))", 100);
        var definitions = Parse(parts);
        var body = ScriptBlock.Create(ToolModuleScript.DynamicModule);
        var made = RunNested(ps => ps
            .AddCommand("New-Module").AddParameter("Name", name).AddParameter("ScriptBlock", body)
            .AddParameter("ArgumentList", new object?[] { ParameterSetName == UriSet ? AccessToken : null, definitions })
            .AddCommand("Import-Module").AddParameter("Global").AddParameter("PassThru").AddParameter("Force"));
        var module = made.Select(m => m.BaseObject).OfType<PSModuleInfo>().FirstOrDefault();
        if (module is null)
        {
            return null;
        }

        var first = commands[0].Tool;
        // Shown by Get-Module: the server's name made fit for a terminal (PrivateData.Tools keeps it as sent).
        module.Description = $"MCP tools of server '{HostText.Line(first.ServerName, HostText.NameLength)}' ({commands[0].EndpointText}) as PowerShell commands (Import-McpTool).";
        module.PrivateData = new Hashtable
        {
            [ModuleMarker] = true,
            ["Tools"] = commands.Select(c => new Hashtable
            {
                ["Command"] = c.Name,
                ["Tool"] = c.Tool.Name,
                ["Server"] = c.Tool.ServerName,
                ["OrdId"] = c.Tool.OrdId,
                ["Uri"] = c.Tool.Url,
            }).ToArray(),
        };
        return module;
    }
}
