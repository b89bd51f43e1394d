using System.Text.Json;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Engine.Tests.ToolCommands;

public sealed class ToolFunctionScriptTests
{
    private static readonly string[] s_verbs = ["Find", "Get"];

    private static ToolCommand Command(string name, string schema, string? ordId = "sap.crm:v1", string? description = null)
    {
        using var document = JsonDocument.Parse(schema);
        var tool = new McpToolInfo
        {
            Name = name,
            Description = description,
            ServerName = "sandbox-crm",
            OrdId = ordId,
            Url = new Uri("https://gw.example/v1/mcp/crm/t"),
            InputSchema = document.RootElement.Clone(),
        };
        return ToolCommand.ForTools([tool], null, s_verbs, _ => false)[0];
    }

    [Fact]
    public void A_gateway_tool_calls_Invoke_McpTool_by_ORD_id_and_a_uri_tool_by_URL()
    {
        var byOrdId = ToolFunctionScript.Write(Command("find-customer", """{"type":"object","properties":{"query":{"type":"string"}}}"""));
        var byUri = ToolFunctionScript.Write(Command("find-customer", """{"type":"object","properties":{}}""", ordId: null));

        Assert.Contains("$agwRun = AgwToolBegin $PSBoundParameters $MyInvocation $ThrottleLimit 'find-customer' 'OrdId' 'sap.crm:v1' 'Query' 'query'", byOrdId, StringComparison.Ordinal);
        Assert.Contains("process { AgwToolProcess $agwRun $PSBoundParameters $MyInvocation $_ }", byOrdId, StringComparison.Ordinal);
        Assert.Contains("AgentGateway\\Invoke-McpTool @one", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.DoesNotContain("$AccessToken", byOrdId, StringComparison.Ordinal);
        Assert.Contains("'find-customer' 'Uri' 'https://gw.example/v1/mcp/crm/t'", byUri, StringComparison.Ordinal);
        Assert.Contains("$AccessToken", byUri, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrottleLimit_feeds_piped_objects_to_one_Invoke_McpTool_in_the_function_and_in_an_exported_module()
    {
        var command = Command("find-customer", """{"type":"object","properties":{"query":{"type":"string"}}}""");
        foreach (var script in new[] { ToolFunctionScript.Write(command), ToolFunctionScript.Write(command, exported: true) })
        {
            Assert.Contains("[ValidateRange(1, 1024)]", script, StringComparison.Ordinal);
            Assert.Contains("$ThrottleLimit = 1", script, StringComparison.Ordinal);
            Assert.Contains("AgwToolBegin $PSBoundParameters $MyInvocation $ThrottleLimit", script, StringComparison.Ordinal);
            Assert.Contains("end { AgwToolEnd $agwRun }", script, StringComparison.Ordinal);
            Assert.Contains("clean { AgwToolClean $agwRun }", script, StringComparison.Ordinal);
            Assert.Contains(".PARAMETER ThrottleLimit", script, StringComparison.Ordinal);
        }

        // One Invoke-McpTool for the piped objects, made in the function's own scope (so -WhatIf reaches it), fed object
        // by object by the shared steps, cancelled when stopped.
        Assert.Contains("if ($ThrottleLimit -gt 1 -and $Invocation.ExpectingInput)", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.Contains("if ($agwRun.Batched) { $agwCall = $agwRun.Call; $agwRun.Batch = { AgentGateway\\Invoke-McpTool @agwCall }.GetSteppablePipeline($MyInvocation.CommandOrigin); $agwRun.Batch.Begin($PSCmdlet) } }", ToolFunctionScript.Write(command), StringComparison.Ordinal);
        Assert.Contains("$Run.Batch.Process($arguments)", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.Contains("$Run.Batch.Clean()", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.Contains(ToolFunctionScript.SharedFunctions, ToolModuleScript.Dynamic([command]), StringComparison.Ordinal);
        Assert.Contains(ToolFunctionScript.SharedFunctions, ToolModuleScript.Psm1("CrmTools", [command]), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_argument_is_sent_under_its_property_name_only_when_given()
    {
        var script = ToolFunctionScript.Write(Command("find-customer", """{"type":"object","properties":{"first-name":{"type":"string"},"dryRun":{"type":"boolean"}}}"""));

        Assert.Contains("$ThrottleLimit 'find-customer' 'OrdId' 'sap.crm:v1' 'FirstName' 'first-name' 'DryRun' 'dryRun'", script, StringComparison.Ordinal);
        Assert.Contains("[Alias('first-name')]", script, StringComparison.Ordinal);

        // The shared steps send a parameter given or piped (by its name or an alias) under its property name, a switch as true/false.
        Assert.Contains("if (-not $names.Overlaps($parameter.Names)) { continue }", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.Contains("if ($parameter.Switch) { $value = $value.IsPresent }", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
        Assert.Contains("$arguments[$parameter.Property] = $value", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_carry_mandatory_position_pipeline_alias_set_and_range()
    {
        var script = ToolFunctionScript.Write(Command("find-customer", """
            {"type":"object","properties":{"query":{"type":"string"},"level":{"type":"string","enum":["Low","High"]},"limit":{"type":"integer","minimum":1,"maximum":50},"customer_id":{"type":"string"}},"required":["query"]}
            """));

        Assert.Contains("[Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]\n        [string]\n        $Query", script, StringComparison.Ordinal);
        Assert.Contains("[AgentGateway.Infrastructure.ValidateToolValues('Low', 'High')]", script, StringComparison.Ordinal);
        Assert.Contains("[ArgumentCompleter([AgentGateway.Infrastructure.ToolValueCompleter])]", script, StringComparison.Ordinal);
        Assert.DoesNotContain("ValidateSet", script, StringComparison.Ordinal);
        Assert.Contains("[ValidateRange(1L, 50L)]\n        [long]\n        $Limit", script, StringComparison.Ordinal);
        Assert.Contains("[Alias('customer_id')]", script, StringComparison.Ordinal);
        Assert.Contains("'Level' 'level'", script, StringComparison.Ordinal);
        Assert.Contains("elseif ($null -ne $parameter.Values) { $value = @($parameter.Values -eq $value)[0] }", ToolFunctionScript.SharedFunctions, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_text_cannot_leave_its_string_or_comment()
    {
        var script = ToolFunctionScript.Write(Command(
            "find-customer",
            """{"type":"object","properties":{"x'; Remove-Item /; '":{"type":"string","enum":["a'b"],"description":"#> Remove-Item /\n.EXAMPLE\nevil"}}}""",
            description: "Finds. #> Remove-Item / <#"));

        Assert.DoesNotContain("#> Remove-Item", script, StringComparison.Ordinal);
        Assert.Contains("'x''; Remove-Item /; '''", script, StringComparison.Ordinal);
        Assert.Contains("[AgentGateway.Infrastructure.ValidateToolValues('a''b')]", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\n    .EXAMPLE\n    evil", script, StringComparison.Ordinal);
        Assert.Equal(1, script.Split("#>").Length - 1);
    }

    [Fact]
    public void The_help_names_the_tool_server_and_endpoint_and_has_an_example_with_the_required_parameters()
    {
        var command = Command("find-customer", """{"type":"object","properties":{"query":{"type":"string","description":"Part of a name."},"limit":{"type":"integer","default":10}},"required":["query"]}""", description: "Looks customers up. By name.");
        var script = ToolFunctionScript.Write(command);

        Assert.Contains(".SYNOPSIS\n    Looks customers up.\n", script, StringComparison.Ordinal);
        Assert.Contains("MCP tool: find-customer", script, StringComparison.Ordinal);
        Assert.Contains("Server: sandbox-crm", script, StringComparison.Ordinal);
        Assert.Contains("ORD id: sap.crm:v1", script, StringComparison.Ordinal);
        Assert.Contains("Endpoint: https://gw.example/v1/mcp/crm/t", script, StringComparison.Ordinal);
        Assert.Contains(".PARAMETER Query\n    Part of a name. Required; JSON type string.", script, StringComparison.Ordinal);
        Assert.Contains("Default (the server's): 10.", script, StringComparison.Ordinal);
        Assert.Equal("Find-Customer -Query 'text'", ToolFunctionScript.Example(command));
    }

    [Fact]
    public void The_exported_manifest_requires_AgentGateway_names_the_endpoint_and_holds_no_token()
    {
        var commands = new[] { Command("find-customer", """{"type":"object"}"""), Command("get-logo", """{"type":"object"}""", ordId: null) };

        var psd1 = ToolModuleScript.Psd1("CrmTools", commands, new Version(0, 1, 0));
        var psm1 = ToolModuleScript.Psm1("CrmTools", commands);

        Assert.Contains("RequiredModules      = @(@{ ModuleName = 'AgentGateway'; ModuleVersion = '0.1.0' })", psd1, StringComparison.Ordinal);
        Assert.Contains("'Find-Customer'", psd1, StringComparison.Ordinal);
        Assert.Contains("OrdId = 'sap.crm:v1'", psd1, StringComparison.Ordinal);
        Assert.Contains("Uri = 'https://gw.example/v1/mcp/crm/t'", psd1, StringComparison.Ordinal);
        Assert.Equal(psd1, ToolModuleScript.Psd1("CrmTools", commands, new Version(0, 1, 0)));
        Assert.Contains("Export-ModuleMember -Function '*-*'", psm1, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"function [^\s{]*-", ToolFunctionScript.SharedFunctions);
        Assert.Contains("$script:AgwAccessToken = $null", psm1, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exported_gateway_tool_names_its_endpoint_by_ORD_id_only()
    {
        var command = Command("find-customer", """{"type":"object"}""");

        Assert.Contains("Endpoint: https://gw.example/", ToolFunctionScript.Write(command), StringComparison.Ordinal);
        var exported = ToolFunctionScript.Write(command, exported: true);
        Assert.DoesNotContain("gw.example", exported, StringComparison.Ordinal);
        Assert.Contains("ORD id sap.crm:v1, at the gateway of the credentials in use", exported, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("it's", "'it''s'")]
    [InlineData("a\u2019b", "'a\u2019\u2019b'")]
    [InlineData("", "''")]
    public void Quote_doubles_every_single_quote_PowerShell_knows(string value, string quoted) =>
        Assert.Equal(quoted, PowerShellText.Quote(value));
}
