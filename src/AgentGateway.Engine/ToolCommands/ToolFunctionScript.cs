using System.Globalization;
using System.Text;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// The PowerShell function of a tool command: comment-based help from the schema, a param block from the
/// mapped parameters, and a body that builds the arguments under their schema names and calls
/// <c>AgentGateway\Invoke-McpTool</c>, so the call takes the cmdlet's path (schema check, token cache, pooled
/// session, 401 renewal, results, errors). Everything a server sent is written as a quoted string or help text.
/// </summary>
public static class ToolFunctionScript
{
    private const string Indent = "    ";

    /// <summary>The functions' own parameters, passed through to Invoke-McpTool when given.</summary>
    private static readonly string[] PassedThrough = ["UserToken", "UserTokenProvider", "TimeoutSec"];

    /// <summary>
    /// The function definition: <c>function Verb-Noun { ... }</c>. <paramref name="exported"/>: for a module file,
    /// whose help names a gateway tool's endpoint by ORD id only (the URL comes from the credentials where it runs).
    /// </summary>
    public static string Write(ToolCommand command, bool exported = false)
    {
        ArgumentNullException.ThrowIfNull(command);
        var text = new StringBuilder();
        text.Append("function ").Append(command.Name).AppendLine(" {");
        WriteHelp(text, command, exported);
        text.AppendLine("    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', PositionalBinding = $false)]");
        text.AppendLine("    [OutputType('AgentGateway.McpToolResult')]");
        text.AppendLine("    param(");
        var position = 0;
        var blocks = new List<string>();
        foreach (var parameter in command.Parameters)
        {
            blocks.Add(ParameterBlock(parameter, parameter.Mandatory ? position++ : null));
        }

        blocks.Add("""
                    [Parameter()]
                    [AgentGateway.Infrastructure.SecureStringTransformation()]
                    [securestring]
                    $UserToken
            """);
        blocks.Add("""
                    [Parameter()]
                    [scriptblock]
                    $UserTokenProvider
            """);
        blocks.Add("""
                    [Parameter()]
                    [ValidateRange(0.001, 86400.0)]
                    [double]
                    $TimeoutSec
            """);
        blocks.Add("""
                    [Parameter()]
                    [ValidateRange(1, 1024)]
                    [int]
                    $ThrottleLimit = 1
            """);
        if (!command.ByOrdId)
        {
            blocks.Add("""
                        [Parameter()]
                        [AgentGateway.Infrastructure.SecureStringTransformation()]
                        [securestring]
                        $AccessToken
                """);
        }

        text.AppendLine(string.Join("," + Environment.NewLine + Environment.NewLine, blocks));
        text.AppendLine("    )");
        WriteBody(text, command);
        text.AppendLine("}");
        return text.ToString();
    }

    private static string ParameterBlock(ToolParameter parameter, int? position)
    {
        var block = new StringBuilder();
        block.Append("        [Parameter(");
        if (parameter.Mandatory)
        {
            block.Append("Mandatory = $true, Position = ").Append(position!.Value.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        block.AppendLine("ValueFromPipelineByPropertyName = $true)]");
        if (parameter.Aliases.Count > 0)
        {
            block.Append("        [Alias(").Append(PowerShellText.QuoteList(parameter.Aliases)).AppendLine(")]");
        }

        if (parameter.ValidValues is { } values)
        {
            block.Append("        [ValidateSet(").Append(PowerShellText.QuoteList(values)).AppendLine(")]");
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

    private static void WriteBody(StringBuilder text, ToolCommand command)
    {
        text.AppendLine("""
                begin {
                    # Only what the command line gave: a piped object's properties are bound anew for each object.
                    $agwGiven = @{} + $PSBoundParameters
            """);
        var endpoint = command.ByOrdId
            ? $"OrdId = {PowerShellText.Quote(command.Tool.OrdId!)}"
            : $"Uri = {PowerShellText.Quote(command.Tool.Url.ToString())}";
        text.Append("        $agwCall = @{ Name = ").Append(PowerShellText.Quote(command.Tool.Name)).Append("; ").Append(endpoint).AppendLine(" }");
        text.Append("        foreach ($agwName in ").Append(PowerShellText.QuoteList(PassedThrough)).AppendLine(") {");
        text.AppendLine("            if ($agwGiven.ContainsKey($agwName)) { $agwCall[$agwName] = $agwGiven[$agwName] }");
        text.AppendLine("        }");
        if (!command.ByOrdId)
        {
            // Import-McpTool -AccessToken keeps the token in the dynamic module (never in an exported file).
            text.AppendLine("        if ($agwGiven.ContainsKey('AccessToken')) { $agwCall['AccessToken'] = $AccessToken }");
            text.AppendLine("        elseif ($null -ne $script:AgwAccessToken) { $agwCall['AccessToken'] = $script:AgwAccessToken }");
        }

        text.AppendLine("""

                    # -ThrottleLimit: the piped objects' calls go through one Invoke-McpTool, up to that many in flight.
                    $agwBatch = $null
                    if ($ThrottleLimit -gt 1 -and $MyInvocation.ExpectingInput) {
                        $agwCall['ThrottleLimit'] = $ThrottleLimit
                        $agwBatch = { AgentGateway\Invoke-McpTool @agwCall }.GetSteppablePipeline($MyInvocation.CommandOrigin)
                        $agwBatch.Begin($PSCmdlet)
                    }
                }

                process {
                    # $PSBoundParameters keeps what the previous piped object bound; what this one binds is what it has.
                    $agwPiped = if ($MyInvocation.ExpectingInput -and $null -ne $_) { @($_.PSObject.Properties.Name) } else { @() }
                    $agwArguments = [ordered]@{}
            """);
        foreach (var parameter in command.Parameters)
        {
            var names = PowerShellText.QuoteList([parameter.Name, .. parameter.Aliases]);
            text.Append("        if ($agwGiven.ContainsKey(").Append(PowerShellText.Quote(parameter.Name)).Append(") -or @(").Append(names)
                .Append(").Where({ $agwPiped -contains $_ }).Count -gt 0) { $agwArguments[").Append(PowerShellText.Quote(parameter.PropertyName))
                .Append("] = ").Append(ValueExpression(parameter)).AppendLine(" }");
        }

        text.AppendLine("""
                    if ($null -ne $agwBatch) {
                        $agwBatch.Process($agwArguments)
                        return
                    }

                    $agwOne = @{} + $agwCall
                    if ($agwArguments.Count -gt 0) { $agwOne['Arguments'] = $agwArguments }
                    AgentGateway\Invoke-McpTool @agwOne
                }

                end {
                    if ($null -ne $agwBatch) { $agwBatch.End() }
                }

                clean {
                    # Stopped or failed: the calls still in flight are cancelled.
                    if ($null -ne $agwBatch) { $agwBatch.Clean() }
                }
            """);
    }

    /// <summary>The value sent for a parameter: a switch as true/false, an enum value in the schema's spelling.</summary>
    private static string ValueExpression(ToolParameter parameter)
    {
        var variable = "$" + parameter.Name;
        if (parameter.TypeName == "switch")
        {
            return variable + ".IsPresent";
        }

        if (!parameter.CanonicalizesValues)
        {
            return variable;
        }

        var values = PowerShellText.QuoteList(parameter.ValidValues!);
        return parameter.TypeName == "string"
            ? $"@(@({values}) -eq {variable})[0]"
            : $"@(foreach ($agwValue in {variable}) {{ @(@({values}) -eq $agwValue)[0] }})";
    }

    private static void WriteHelp(StringBuilder text, ToolCommand command, bool exported)
    {
        var endpoint = exported && command.ByOrdId
            ? $"ORD id {command.Tool.OrdId}, at the gateway of the credentials in use"
            : command.EndpointText;
        var tool = command.Tool;
        text.AppendLine("    <#");
        text.AppendLine("    .SYNOPSIS");
        var synopsis = tool.Title ?? FirstSentence(tool.Description) ?? $"Calls the MCP tool '{tool.Name}'.";
        text.Append(Indent).AppendLine(PowerShellText.OneLine(synopsis));
        text.AppendLine("    .DESCRIPTION");
        foreach (var line in PowerShellText.HelpLines(tool.Description, Indent))
        {
            text.AppendLine(line);
        }

        text.AppendLine();
        text.Append(Indent).AppendLine(PowerShellText.OneLine(
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
        if (!command.ByOrdId)
        {
            text.AppendLine("""
                    .PARAMETER AccessToken
                    A token for the endpoint (outside the gateway); the one given to Import-McpTool when not given.
                """);
        }

        text.AppendLine("    .EXAMPLE");
        text.Append(Indent).AppendLine(Example(command));
        text.AppendLine();
        text.Append(Indent).AppendLine(PowerShellText.OneLine(
            command.Parameters.Any(p => p.Mandatory) ? $"Calls {tool.Name} with its required arguments." : $"Calls {tool.Name}."));
        text.AppendLine("    .INPUTS");
        text.AppendLine("    Objects whose properties are named like the parameters or like the tool's arguments (Import-Csv rows, for instance).");
        text.AppendLine("    .OUTPUTS");
        text.AppendLine("    AgentGateway.McpToolResult");
        text.AppendLine("    .NOTES");
        text.Append("    MCP tool: ").AppendLine(PowerShellText.OneLine(tool.Name));
        text.Append("    Server: ").AppendLine(PowerShellText.OneLine(tool.ServerName));
        if (command.ByOrdId)
        {
            text.Append("    ORD id: ").AppendLine(PowerShellText.OneLine(tool.OrdId));
        }

        if (!(exported && command.ByOrdId))
        {
            text.Append("    Endpoint: ").AppendLine(PowerShellText.OneLine(tool.Url.ToString()));
        }
        if (command.CommandName.RenamedBecause is { } why)
        {
            text.Append("    Named ").Append(command.Name).Append(", not ").Append(command.CommandName.PlainName).Append(": ").AppendLine(PowerShellText.OneLine(why));
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

        var line = PowerShellText.OneLine(description);
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? line[..(end + 1)] : line;
    }
}
