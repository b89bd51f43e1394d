using System.Management.Automation;
using System.Text;
using AgentGateway.Engine.ToolCommands;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>
/// Writes the selected tools as a module folder (&lt;Path&gt;/&lt;leaf&gt;.psm1 and .psd1) that requires AgentGateway and
/// holds no token: gateway tools are named by ORD id, other endpoints by URL.
/// </summary>
[Cmdlet(VerbsData.Export, "McpToolModule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpToolModuleFile))]
public sealed class ExportMcpToolModuleCommand : ToolCommandCmdlet
{
    /// <summary>The module folder; its last segment is the module name.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Overwrite the module files when they exist.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out var provider, out _);
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            // Another provider's path (Env:/x, Function:/x) would otherwise be taken for a file in the working directory.
            ThrowTerminatingError(ErrorRecords.ToolModulePathNotFileSystem(Path!, provider.Name));
        }

        var moduleName = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(folder));
        if (string.IsNullOrEmpty(moduleName))
        {
            ThrowTerminatingError(ErrorRecords.ModulePathWithoutName(Path!));
        }

        if (SelectedTools.Count == 0)
        {
            WriteWarning("No tool matched: no module was written. Get-McpTool shows the tools the selection reaches.");
            return;
        }

        var psm1 = System.IO.Path.Combine(folder, moduleName + ".psm1");
        var psd1 = System.IO.Path.Combine(folder, moduleName + ".psd1");
        if (!Force && (File.Exists(psm1) || File.Exists(psd1)))
        {
            ThrowTerminatingError(ErrorRecords.ToolModuleExists(moduleName, folder));
        }

        // The names are those Import-McpTool would give in a session without this session's own tool modules.
        var commands = BuildCommands(ExistingCommandNames(ignoreToolModules: true));
        if (!ShouldProcess(folder, $"Write module '{moduleName}' with {commands.Count} command(s): {string.Join(", ", commands.Select(c => c.Name))}"))
        {
            WriteStepsDone();
            return;
        }

        var version = typeof(ExportMcpToolModuleCommand).Assembly.GetName().Version ?? new Version(0, 1, 0);
        Directory.CreateDirectory(folder);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        var script = WriteScript(commands, progress => ToolModuleScript.Psm1(moduleName, commands, progress));
        WriteStep($"Writing {psm1}", 100);
        File.WriteAllText(psm1, script, utf8);
        File.WriteAllText(psd1, ToolModuleScript.Psd1(moduleName, commands, version), utf8);
        WriteStepsDone();
        WriteObject(new McpToolModuleFile(moduleName, "Manifest", psd1, commands.Count));
        WriteObject(new McpToolModuleFile(moduleName, "Script", psm1, commands.Count));
    }
}
