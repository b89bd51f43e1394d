using System.Globalization;
using System.Text;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// The PowerShell function of a tool command: comment-based help from the schema, a param block from the
/// mapped parameters, and a body that builds the arguments under their schema names and calls
/// <c>AgentGateway\Invoke-McpTool</c>, so the call takes the cmdlet's path (schema check, token cache, pooled
/// session, 401 renewal, results, errors). Everything a server sent is written as a quoted string or help text.
/// </summary>
internal static class ToolFunctionScript
{
    private const string Indent = "    ";

    /// <summary>
    /// The function definition: <c>function Verb-Noun { ... }</c>. <paramref name="exported"/>: for a module file,
    /// whose help names a gateway tool's endpoint by ORD id only (the URL comes from the credentials where it runs).
    /// </summary>
    public static string Write(ToolCommand command, bool exported = false)
    {
        ArgumentNullException.ThrowIfNull(command);
        var text = new StringBuilder();
        WriteTo(text, command, exported);
        return text.ToString();
    }

    /// <summary><see cref="Write"/> into <paramref name="text"/> (a module's text: no copy of each function).</summary>
    internal static void WriteTo(StringBuilder text, ToolCommand command, bool exported)
    {
        text.Append("function ").Append(command.Name).AppendLine(" {");
        WriteHelp(text, command, exported);
        text.AppendLine("    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]");
        text.AppendLine("    [OutputType('AgentGateway.McpToolResult')]");
        text.AppendLine("    param(");
        var position = 0;
        var blocks = new List<string>();
        foreach (var parameter in command.Parameters)
        {
            blocks.Add(ParameterBlock(parameter, parameter.Mandatory ? position++ : null));
        }

        // The function's own parameters: in every parameter set, never positional (PositionalBinding is off).
        blocks.Add("""
                    [AgentGateway.Infrastructure.SecureStringTransformation()]
                    [securestring]
                    $UserToken
            """);
        blocks.Add("""
                    [scriptblock]
                    $UserTokenProvider
            """);
        blocks.Add("""
                    [ValidateRange(0.001, 86400.0)]
                    [double]
                    $TimeoutSec
            """);
        blocks.Add("""
                    [ValidateRange(1, 1024)]
                    [int]
                    $ThrottleLimit = 1
            """);
        if (!command.ByOrdId && command.Local is null)
        {
            blocks.Add("""
                        [AgentGateway.Infrastructure.SecureStringTransformation()]
                        [securestring]
                        $AccessToken
                """);
        }

        text.AppendLine(string.Join("," + Environment.NewLine + Environment.NewLine, blocks));
        text.AppendLine("    )");
        WriteBody(text, command);
        text.AppendLine("}");
    }

    private static string ParameterBlock(ToolParameter parameter, int? position)
    {
        var block = new StringBuilder();
        block.Append("        [Parameter(");
        if (parameter.Mandatory)
        {
            block.Append("Mandatory, Position = ").Append(position!.Value.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        block.AppendLine("ValueFromPipelineByPropertyName)]");
        if (parameter.Aliases.Count > 0)
        {
            block.Append("        [Alias(").Append(PowerShellText.QuoteList(parameter.Aliases)).AppendLine(")]");
        }

        if (parameter.ValidValues is { } values)
        {
            // Not ValidateSet: PowerShell's completion of a ValidateSet would put some values on the line unquoted
            // (one with a typographic quote among them), and it comes before any ArgumentCompleter.
            block.Append("        [AgentGateway.Infrastructure.ValidateToolValues(").Append(PowerShellText.QuoteList(values)).AppendLine(")]");
            block.AppendLine("        [ArgumentCompleter([AgentGateway.Infrastructure.ToolValueCompleter])]");
        }

        if (parameter.Range is { } range)
        {
            block.Append("        [ValidateRange(").Append(range.Minimum).Append(", ").Append(range.Maximum).AppendLine(")]");
        }

        if (parameter.TypeName is "switch" or "bool")
        {
            // CSV rows and other text carry booleans as 'true' / 'false'.
            block.AppendLine("        [AgentGateway.Infrastructure.BooleanTextTransformation()]");
        }

        if (parameter.TypeName is "hashtable" or "hashtable[]")
        {
            // An object argument may come as a PSCustomObject (ConvertFrom-Json, a nested object of a piped row).
            block.AppendLine("        [AgentGateway.Infrastructure.HashtableTransformation()]");
        }

        block.Append("        [").Append(parameter.TypeName).AppendLine("]");
        block.Append("        $").Append(parameter.Name);
        return block.ToString();
    }

    /// <summary>
    /// The steps every tool function shares, defined once in each module (dynamic or exported) and not exported: a
    /// function's own body is data (its tool, its endpoint, and which parameter is sent as which property), so
    /// thousands of tools are not thousands of copies of the same code to parse.
    /// <c>AgwToolBegin</c> takes what the command line gave, the passed-through parameters and the module's access
    /// token for a -Uri tool, reads each tool parameter's aliases, switch-ness and enum values from the command's own
    /// metadata, and with -ThrottleLimit above 1 and piped input says so: the function then starts one Invoke-McpTool
    /// for all the piped objects as a steppable pipeline in its own scope (their calls in flight at once, results in
    /// input order). <c>AgwToolProcess</c> builds one object's arguments:
    /// a parameter is sent when the command line gave it or the piped object has a property of its name or of an
    /// alias ($PSBoundParameters keeps what the previous object bound), under its property name, a switch as
    /// true/false, an enum value in the schema's spelling; then it calls (or feeds the batch). <c>AgwToolEnd</c> and
    /// <c>AgwToolClean</c> end the batch, or cancel the calls still in flight when stopped or failed.
    /// </summary>
    public const string SharedFunctions = """
        function AgwToolBegin($Given, $Invocation, $ThrottleLimit, $Tool, $EndpointKind, $Endpoint) {
            # $args: each tool parameter's name and the property it is sent as, in the schema's order.
            $Call = @{ Name = $Tool }
            if ($EndpointKind -eq 'Command') {
                # A local server: its command line is the function's data; -Environment values only in Import-McpTool's module memory.
                foreach ($key in $Endpoint.Keys) { $Call[$key] = $Endpoint[$key] }
                if ($null -ne $script:AgwEnvironment) { $Call['Environment'] = $script:AgwEnvironment }
            }
            else { $Call[$EndpointKind] = $Endpoint }
            $run = @{ Given = @{} + $Given; Call = $Call; Batched = $false; Batch = $null; Parameters = [System.Collections.Generic.List[object]]::new() }
            $metadata = $Invocation.MyCommand.Parameters
            for ($i = 0; $i + 1 -lt $args.Count; $i += 2) {
                $name = $args[$i]
                $parameter = $metadata[$name]
                $values = $null
                foreach ($attribute in $parameter.Attributes) {
                    if ($attribute -is [AgentGateway.Infrastructure.ValidateToolValuesAttribute]) { $values = $attribute.ValidValues }
                }
                $entry = @{ Name = $name; Property = $args[$i + 1]; Names = [string[]] (@($name) + @($parameter.Aliases)); Switch = $parameter.SwitchParameter; Many = $false; Values = $null }
                if ($null -ne $values -and $parameter.ParameterType -in [string], [string[]]) {
                    $entry.Values = $values
                    $entry.Many = $parameter.ParameterType -eq [string[]]
                }
                $run.Parameters.Add($entry)
            }
            foreach ($name in 'UserToken', 'UserTokenProvider', 'TimeoutSec', 'WhatIf', 'Confirm') {
                if ($run.Given.ContainsKey($name)) { $Call[$name] = $run.Given[$name] }
            }
            if ($Call.ContainsKey('Uri')) {
                if ($run.Given.ContainsKey('AccessToken')) { $Call['AccessToken'] = $run.Given['AccessToken'] }
                elseif ($null -ne $script:AgwAccessToken) { $Call['AccessToken'] = $script:AgwAccessToken }
            }
            if ($ThrottleLimit -gt 1 -and $Invocation.ExpectingInput) {
                $Call['ThrottleLimit'] = $ThrottleLimit
                $run.Batched = $true
            }
            $run
        }

        function AgwToolProcess($Run, $Bound, $Invocation, $Item) {
            $names = [System.Collections.Generic.HashSet[string]]::new([string[]] @($Run.Given.Keys), [System.StringComparer]::OrdinalIgnoreCase)
            if ($Invocation.ExpectingInput -and $null -ne $Item) {
                foreach ($name in $Item.PSObject.Properties.Name) { $null = $names.Add($name) }
            }
            $arguments = [ordered]@{}
            foreach ($parameter in $Run.Parameters) {
                if (-not $names.Overlaps($parameter.Names)) { continue }
                $value = $Bound[$parameter.Name]
                if ($parameter.Switch) { $value = $value.IsPresent }
                elseif ($parameter.Many) { $value = @(foreach ($one in $value) { @($parameter.Values -eq $one)[0] }) }
                elseif ($null -ne $parameter.Values) { $value = @($parameter.Values -eq $value)[0] }
                $arguments[$parameter.Property] = $value
            }
            if ($null -ne $Run.Batch) {
                $Run.Batch.Process($arguments)
                return
            }
            $one = @{} + $Run.Call
            if ($arguments.Count -gt 0) { $one['Arguments'] = $arguments }
            AgentGateway\Invoke-McpTool @one
        }

        function AgwToolEnd($Run) {
            if ($null -ne $Run -and $null -ne $Run.Batch) { $Run.Batch.End() }
        }

        function AgwToolClean($Run) {
            if ($null -ne $Run -and $null -ne $Run.Batch) { $Run.Batch.Clean() }
        }
        """;

    /// <summary>
    /// The body: the tool, its endpoint, and each parameter's name and property name (in schema order), for
    /// <see cref="SharedFunctions"/>: quoted strings as arguments (PowerShell parses them several times faster than
    /// hashtable literals, which counts for thousands of functions).
    /// </summary>
    private static void WriteBody(StringBuilder text, ToolCommand command)
    {
        text.Append("    begin { $agwRun = AgwToolBegin $PSBoundParameters $MyInvocation $ThrottleLimit ")
            .Append(PowerShellText.Quote(command.Tool.Name))
            .Append(command.ByOrdId ? " 'OrdId' " + PowerShellText.Quote(command.Tool.OrdId!) : command.Local is { } local ? " 'Command' " + LocalServerData(local) : " 'Uri' " + PowerShellText.Quote(command.Tool.Url.ToString()));
        foreach (var parameter in command.Parameters)
        {
            text.Append(' ').Append(PowerShellText.Quote(parameter.Name)).Append(' ').Append(PowerShellText.Quote(parameter.PropertyName));
        }

        text.AppendLine();

        // The batch's pipeline is made here, in the function's own scope: made in a shared step, whose scope is gone
        // when it runs, it would not see -WhatIf, -Confirm or the caller's preferences.
        text.AppendLine("        if ($agwRun.Batched) { $agwCall = $agwRun.Call; $agwRun.Batch = { AgentGateway\\Invoke-McpTool @agwCall }.GetSteppablePipeline($MyInvocation.CommandOrigin); $agwRun.Batch.Begin($PSCmdlet) } }");
        text.AppendLine("    process { AgwToolProcess $agwRun $PSBoundParameters $MyInvocation $_ }");
        text.AppendLine("    end { AgwToolEnd $agwRun }");
        text.AppendLine("    clean { AgwToolClean $agwRun }");
    }

    /// <summary>A local server's command, arguments and folder as a hashtable literal of quoted strings (the data AgwToolBegin splats).</summary>
    private static string LocalServerData(ToolLocalServer local)
    {
        var data = new StringBuilder("@{ Command = ").Append(PowerShellText.Quote(local.Command));
        data.Append("; ArgumentList = @(").Append(string.Join(", ", local.Arguments.Select(PowerShellText.Quote))).Append(')');
        if (local.WorkingDirectory is { } folder)
        {
            data.Append("; WorkingDirectory = ").Append(PowerShellText.Quote(folder));
        }

        return data.Append(" }").ToString();
    }

    private static void WriteHelp(StringBuilder text, ToolCommand command, bool exported)
    {
        var endpoint = exported && command.ByOrdId
            ? $"ORD id {command.Tool.OrdId}, at the gateway of the credentials in use"
            : command.EndpointText;
        var tool = command.Tool;
        text.AppendLine("    <#");
        text.AppendLine("    .SYNOPSIS");
        var synopsis = (string.IsNullOrWhiteSpace(tool.Title) ? null : tool.Title) ?? FirstSentence(tool.Description) ?? $"Calls the MCP tool '{tool.Name}'.";
        text.Append(Indent).AppendLine(PowerShellText.HelpLine(synopsis));
        text.AppendLine("    .DESCRIPTION");
        foreach (var line in PowerShellText.HelpLines(tool.Description, Indent))
        {
            text.AppendLine(line);
        }

        text.AppendLine();
        text.Append(Indent).AppendLine(PowerShellText.HelpLine(
            $"Calls the MCP tool '{tool.Name}' of server '{tool.ServerName}' ({endpoint}) through Invoke-McpTool. " +
            "The arguments are checked against the tool's current inputSchema before anything is sent; -WhatIf shows the call and sends nothing."));
        foreach (var parameter in command.Parameters)
        {
            text.Append("    .PARAMETER ").AppendLine(parameter.Name);
            foreach (var line in PowerShellText.HelpLines(ParameterHelp(parameter), Indent))
            {
                text.AppendLine(line);
            }
        }

        text.AppendLine("""
                .PARAMETER UserToken
                The user's JWT: call with the user's exchanged token (principal propagation).
                .PARAMETER UserTokenProvider
                A scriptblock that returns the user's JWT, run before each call.
                .PARAMETER TimeoutSec
                How long the call may take; the config's timeout when not given.
                .PARAMETER ThrottleLimit
                How many calls of piped input may be in flight at once (default 1: one after the other); results come in input order.
            """);
        if (!command.ByOrdId && command.Local is null)
        {
            text.AppendLine("""
                    .PARAMETER AccessToken
                    A token for the endpoint (outside the gateway); the one given to Import-McpTool when not given.
                """);
        }

        text.AppendLine("    .EXAMPLE");
        text.Append(Indent).AppendLine(PowerShellText.HelpLine(Example(command)));
        text.AppendLine();
        text.Append(Indent).AppendLine(PowerShellText.HelpLine(
            command.Parameters.Any(p => p.Mandatory) ? $"Calls {tool.Name} with its required arguments." : $"Calls {tool.Name}."));
        text.AppendLine("    .INPUTS");
        text.AppendLine("    Objects whose properties are named like the parameters or like the tool's arguments (Import-Csv rows, for instance).");
        text.AppendLine("    .OUTPUTS");
        text.AppendLine("    AgentGateway.McpToolResult");
        text.AppendLine("    .NOTES");
        text.Append(Indent).AppendLine(PowerShellText.HelpLine($"MCP tool: {tool.Name}"));
        text.Append(Indent).AppendLine(PowerShellText.HelpLine($"Server: {tool.ServerName}"));
        if (command.ByOrdId)
        {
            text.Append(Indent).AppendLine(PowerShellText.HelpLine($"ORD id: {tool.OrdId}"));
        }

        if (command.Local is { } localServer)
        {
            text.Append(Indent).AppendLine(PowerShellText.HelpLine($"Local server: {localServer.CommandLine}"));
        }
        else if (!(exported && command.ByOrdId))
        {
            text.Append(Indent).AppendLine(PowerShellText.HelpLine($"Endpoint: {tool.Url}"));
        }

        if (command.CommandName.RenamedBecause is { } why)
        {
            text.Append(Indent).AppendLine(PowerShellText.HelpLine($"Named {command.Name}, not {command.CommandName.PlainName}: {why}"));
        }

        text.AppendLine("    Generated by AgentGateway (Import-McpTool, Export-McpToolModule) from the tool's listing.");
        text.AppendLine("    #>");
    }

    /// <summary>The example: the command with every required parameter and a value its schema accepts.</summary>
    public static string Example(ToolCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var text = new StringBuilder(command.Name);
        foreach (var parameter in command.Parameters.Where(p => p.Mandatory))
        {
            text.Append(" -").Append(parameter.Name).Append(' ').Append(parameter.ExampleValue);
        }

        return text.ToString();
    }

    private static string ParameterHelp(ToolParameter parameter)
    {
        var text = new StringBuilder();
        if (parameter.Description is { } description)
        {
            text.Append(description.TrimEnd());
            text.Append(description.TrimEnd().EndsWith('.') ? " " : ". ");
        }

        text.Append(parameter.Mandatory ? "Required" : "Optional").Append("; JSON type ").Append(parameter.SchemaType).Append('.');
        if (parameter.ValidValues is { } values)
        {
            text.Append(" One of: ").Append(string.Join(", ", values)).Append('.');
        }

        if (parameter.DefaultJson is { } defaultJson)
        {
            text.Append(" Default (the server's): ").Append(defaultJson).Append('.');
        }

        if (parameter.TypeName is "hashtable" or "hashtable[]" && parameter.KeysText is { } keys)
        {
            text.Append(" Keys: ").Append(keys).Append('.');
        }

        if (parameter.Warning is { } warning)
        {
            text.Append(" Note: ").Append(warning).Append('.');
        }

        if (!string.Equals(parameter.Name, parameter.PropertyName, StringComparison.OrdinalIgnoreCase))
        {
            text.Append(" Sent as '").Append(parameter.PropertyName).Append('\'');
            text.Append(parameter.RenamedBecause is { } why ? $" (renamed: {why})." : ".");
        }

        return text.ToString();
    }

    private static string? FirstSentence(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return null;
        }

        var line = PowerShellText.HelpLine(description);
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? line[..(end + 1)] : line;
    }
}
