using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// The module text of tool commands: the script of the dynamic module Import-McpTool creates, and the .psm1 and
/// .psd1 Export-McpToolModule writes. Neither holds a token or a credential: a gateway tool's endpoint is named by
/// its ORD id (resolved from the credentials of the session that calls it), an endpoint outside it by its URL.
/// </summary>
internal static class ToolModuleScript
{
    /// <summary>
    /// The script block text of a dynamic module: it takes an optional access token (for -Uri tools) and an optional
    /// environment (for a local server's tools: the values of -Environment), both kept in the module's memory only, defines the functions and exports them; <paramref name="progress"/> hears how many
    /// functions are written so far.
    /// </summary>
    public static string Dynamic(IReadOnlyList<ToolCommand> commands, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var text = new StringBuilder();
        text.AppendLine("param($AgwAccessToken, $AgwEnvironment)");
        text.AppendLine("$script:AgwAccessToken = $AgwAccessToken");
        text.AppendLine("$script:AgwEnvironment = $AgwEnvironment");
        AppendFunctions(text, commands, exported: false, progress);
        return text.ToString();
    }

    /// <summary>The .psm1 of an exported module; <paramref name="progress"/> hears how many functions are written so far.</summary>
    public static string Psm1(string moduleName, IReadOnlyList<ToolCommand> commands, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var text = new StringBuilder();
        text.Append("# ").AppendLine(PowerShellText.HelpLine($"{moduleName}: MCP tools as PowerShell commands, written by Export-McpToolModule (AgentGateway)."));
        text.AppendLine("# Every function calls AgentGateway\\Invoke-McpTool: tokens come from the credentials of the session that calls it;");
        text.AppendLine("# this file holds no token and no credential. Arguments are checked against the tool's live inputSchema when called.");
        text.AppendLine("$script:AgwAccessToken = $null");
        text.AppendLine("$script:AgwEnvironment = $null");
        AppendFunctions(text, commands, exported: true, progress);
        return text.ToString();
    }

    /// <summary>The .psd1 of an exported module: requires AgentGateway (at least <paramref name="agentGatewayVersion"/>), exports the functions, lists the tools in PrivateData.</summary>
    public static string Psd1(string moduleName, IReadOnlyList<ToolCommand> commands, Version agentGatewayVersion)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(agentGatewayVersion);
        var servers = commands.Select(c => c.Tool.ServerName).Distinct(StringComparer.Ordinal).ToArray();
        var text = new StringBuilder();
        text.AppendLine("@{");
        text.Append("    RootModule           = ").AppendLine(PowerShellText.Quote(moduleName + ".psm1"));
        text.AppendLine("    ModuleVersion        = '1.0.0'");
        text.Append("    GUID                 = '").Append(StableGuid(moduleName).ToString()).AppendLine("'");
        text.Append("    Description          = ").AppendLine(PowerShellText.Quote(
            ServerText.ForTerminal($"MCP tools of {string.Join(", ", servers)} as PowerShell commands (written by Export-McpToolModule).")));
        text.AppendLine("    CompatiblePSEditions = @('Core')");
        text.AppendLine("    PowerShellVersion    = '7.6'");
        text.Append("    RequiredModules      = @(@{ ModuleName = 'AgentGateway'; ModuleVersion = '")
            .Append(agentGatewayVersion.ToString(3)).AppendLine("' })");
        text.AppendLine("    FunctionsToExport    = @(");
        foreach (var command in commands)
        {
            text.Append("        ").AppendLine(PowerShellText.Quote(command.Name));
        }

        text.AppendLine("    )");
        text.AppendLine("    CmdletsToExport      = @()");
        text.AppendLine("    VariablesToExport    = @()");
        text.AppendLine("    AliasesToExport      = @()");
        text.AppendLine("    PrivateData          = @{");
        text.AppendLine("        PSData       = @{ Tags = @('MCP', 'AgentGateway') }");
        text.AppendLine("        AgentGateway = @{");
        text.AppendLine("            Tools = @(");
        foreach (var command in commands)
        {
            text.Append("                @{ Command = ").Append(PowerShellText.Quote(command.Name))
                .Append("; Tool = ").Append(PowerShellText.Quote(command.Tool.Name))
                .Append("; Server = ").Append(PowerShellText.Quote(command.Tool.ServerName));
            text.Append(command.ByOrdId ? "; OrdId = " + PowerShellText.Quote(command.Tool.OrdId!)
                : command.Local is { } local ? "; LocalServer = " + PowerShellText.Quote(local.CommandLine)
                : "; Uri = " + PowerShellText.Quote(command.Tool.Url.ToString()));
            text.AppendLine(" }");
        }

        text.AppendLine("            )");
        text.AppendLine("        }");
        text.AppendLine("    }");
        text.AppendLine("}");
        return text.ToString();
    }

    private static void AppendFunctions(StringBuilder text, IReadOnlyList<ToolCommand> commands, bool exported, IProgress<int>? progress)
    {
        text.AppendLine();
        text.AppendLine("# The steps every function below shares (not exported).");
        text.Append(ToolFunctionScript.SharedFunctions).AppendLine();
        for (var i = 0; i < commands.Count; i++)
        {
            text.AppendLine();
            ToolFunctionScript.WriteTo(text, commands[i], exported);
            progress?.Report(i + 1);
        }

        text.AppendLine();
        // Every tool function is Verb-Noun and no shared step has a dash: one pattern exports exactly the tools. (A list
        // of thousands of names costs PowerShell a match of every name against every function.)
        text.AppendLine(commands.Count == 0 ? "Export-ModuleMember -Function @()" : "Export-ModuleMember -Function '*-*'");
    }

    /// <summary>The same module name gives the same GUID, so writing a module again changes only what changed.</summary>
    private static Guid StableGuid(string moduleName)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("AgentGateway.ToolModule/" + moduleName.ToUpperInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>The longest module name <see cref="ModuleNameFor"/> makes.</summary>
    public const int MaxModuleNameLength = 64;

    /// <summary>
    /// A module name for a server: its serverInfo.name made a safe name. Letters, digits, <c>-</c>, <c>_</c> and
    /// <c>.</c> stay; every other character (control and bidirectional characters, path separators, quotes, spaces)
    /// becomes <c>-</c>, runs of <c>-</c> collapse, leading and trailing <c>-</c> and <c>.</c> go, and the name is cut to
    /// <see cref="MaxModuleNameLength"/> characters: nothing in it can break a path, a line or a terminal. McpServer
    /// when nothing is left.
    /// </summary>
    public static string ModuleNameFor(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        var name = new StringBuilder(Math.Min(serverName.Length, MaxModuleNameLength));
        foreach (var c in serverName)
        {
            var safe = char.IsLetterOrDigit(c) || c is '_' or '.' ? c : '-';
            if (safe == '-' && (name.Length == 0 || name[^1] == '-'))
            {
                continue;
            }

            name.Append(safe);
            if (name.Length >= MaxModuleNameLength)
            {
                break;
            }
        }

        var result = name.ToString().Trim('-', '.');
        return result.Length == 0 ? "McpServer" : result;
    }
}
