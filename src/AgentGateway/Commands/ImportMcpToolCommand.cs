using System.Collections;
using System.Management.Automation;
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

    /// <summary>The -Environment of a local server's tools, for the module's memory only (never its text); null for none.</summary>
    private static Hashtable? EnvironmentOf(ToolLocalServer? local)
    {
        if (local is null || local.Environment.Count == 0)
        {
            return null;
        }

        var table = new Hashtable(StringComparer.Ordinal);
        foreach (var (name, value) in local.Environment)
        {
            table[name] = value;
        }

        return table;
    }

    private PSModuleInfo? NewModule(string name, IReadOnlyList<ToolCommand> commands)
    {
        var script = WriteScript(commands, progress => ToolModuleScript.Dynamic(commands, progress));
        WriteStep($"Loading module '{name}' ({commands.Count} function(s))", 100);
        var body = ScriptBlock.Create(script);
        var made = RunNested(ps => ps
            .AddCommand("New-Module").AddParameter("Name", name).AddParameter("ScriptBlock", body).AddParameter("ArgumentList", new object?[] { ParameterSetName == UriSet ? AccessToken : null, EnvironmentOf(commands[0].Local) })
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
                ["LocalServer"] = c.Local?.CommandLine,
            }).ToArray(),
        };
        return module;
    }
}
