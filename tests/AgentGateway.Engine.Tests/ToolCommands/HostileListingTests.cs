using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.ToolCommands;

namespace AgentGateway.Engine.Tests.ToolCommands;

/// <summary>
/// Issue 19: text a hostile server lists reaches generated script only as quoted data or through the help sanitiser.
/// These tests hold what can be checked without PowerShell (what the help parser and the tokenizer would see:
/// comment ends, help keywords, line breaks); the PowerShell parser's view is checked in Pester
/// (tests/pester/HostileListing.Tests.ps1) against the sandbox's hostile servers.
/// </summary>
public sealed partial class HostileListingTests
{
    private static readonly string[] s_verbs = ["Get", "Find", "New"];

    /// <summary>Ways out of a comment, a string or a statement, and help keywords (as the sandbox's hostile server has them).</summary>
    public static readonly TheoryData<string> Payloads =
    [
        "\n#>\n}\nNew-Item marker\nfunction X {\n<#\n",
        " #> } ; New-Item marker ; function X { <# ",
        "\r#>\r}\rNew-Item marker\r<#",
        "\u2028#>\u2029}\u0085New-Item marker",
        "'; New-Item marker; '",
        "x\u2019; New-Item marker; \u2019y",
        "\u2018\u201A\u201B\"\u201C\u201D",
        "$(New-Item marker)",
        "`'; New-Item marker; '`",
        "\n'@\nNew-Item marker\n@'\n",
        "\n\"@\nNew-Item marker\n@\"\n",
        ".EXTERNALHELP /tmp/evil.xml",
        "Text.\n    .EXTERNALHELP \\\\host\\share\\evil.xml\n\t.FORWARDHELPTARGETNAME Get-Date\n\u00A0.FORWARDHELPCATEGORY Cmdlet\n.REMOTEHELPRUNSPACE r",
        ".SYNOPSIS\nHijacked.\n.EXAMPLE\nNew-Item marker\n.UNKNOWN x",
        "\u001b[31mred\u202Eevil\u202C\0nul it\u2019s",
    ];

    // What PowerShell's help parser takes for a keyword line (HelpCommentsParser's directive).
    [GeneratedRegex(@"^\s*\.(\w+)(\s+(\S.*))?\s*$")]
    private static partial Regex HelpKeyword();

    private static readonly string[] s_ownKeywords = ["SYNOPSIS", "DESCRIPTION", "PARAMETER", "EXAMPLE", "INPUTS", "OUTPUTS", "NOTES"];

    /// <summary>A tool whose every field a function is made of carries <paramref name="payload"/>.</summary>
    private static McpToolInfo Hostile(string payload, string? ordId = null, string url = "https://gw.example/v1/mcp/x/t")
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                [payload] = new JsonObject { ["type"] = "string", ["description"] = payload, ["title"] = payload },
                ["choice"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(payload, payload + "2") },
                ["choices"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(payload) } },
                ["fallback"] = new JsonObject { ["type"] = "string", ["default"] = payload },
                ["sample"] = new JsonObject { ["type"] = "string", ["examples"] = new JsonArray(payload) },
                ["record"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { [payload] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(payload) } },
                    ["required"] = new JsonArray(payload),
                },
            },
            ["required"] = new JsonArray(payload, "choice", "choices", "fallback", "sample", "record"),
        };
        return new McpToolInfo
        {
            Name = payload,
            Title = payload,
            Description = payload,
            ServerName = payload,
            OrdId = ordId,
            Url = new Uri(url),
            InputSchema = JsonSerializer.SerializeToElement(schema),
        };
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void A_hostile_tool_has_one_help_block_with_only_its_own_keywords_and_one_line_example(string payload)
    {
        foreach (var ordId in new[] { null, "sap.x:v1" })
        {
            // Two servers with a tool of the same name: the second name (and its reason, in the help) has the server's name in it.
            var commands = ToolCommand.ForTools([Hostile(payload, ordId), Hostile(payload, ordId, "https://gw.example/v1/mcp/y/t")], null, s_verbs, _ => false);
            Assert.All(commands, c => Assert.NotNull(c.CommandName.RenamedBecause));
            foreach (var command in commands)
            {
                foreach (var exported in new[] { false, true })
                {
                    var script = ToolFunctionScript.Write(command, exported);

                    // The help block opens where the function does and ends on its own last line: nothing in it ends it
                    // early or seems to open another (the server's text after it is quoted data in the code).
                    var help = HelpBlock(script, command.Name);
                    Assert.DoesNotContain("<#", help, StringComparison.Ordinal);

                    // PowerShell splits help lines at CR and LF: every keyword line there is one of ours.
                    var keywords = help.Split('\r', '\n').Select(l => HelpKeyword().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToArray();
                    Assert.All(keywords, k => Assert.Contains(k, s_ownKeywords));
                    Assert.Equal(command.Parameters.Count + (command.ByOrdId ? 4 : 5), keywords.Count(k => k == "PARAMETER"));
                    Assert.Equal(1, keywords.Count(k => k == "EXAMPLE"));
                    Assert.Equal(1, keywords.Count(k => k == "SYNOPSIS"));

                    // The example is one line (its values quoted), and no control or bidirectional character is left in the help.
                    var lines = help.Split('\n');
                    var example = lines[Array.FindIndex(lines, l => l.Trim() == ".EXAMPLE") + 1];
                    Assert.StartsWith("    " + command.Name + " ", example, StringComparison.Ordinal);
                    Assert.DoesNotContain(help, c => (char.IsControl(c) && c is not '\n' and not '\r') || c is '\u202E' or '\u2028' or '\u2029' or '\u0085');
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void An_exported_module_names_hostile_servers_only_in_quoted_data_and_comment_lines(string payload)
    {
        var commands = ToolCommand.ForTools([Hostile(payload)], null, s_verbs, _ => false);
        var moduleName = ToolModuleScript.ModuleNameFor(payload);

        var psm1 = ToolModuleScript.Psm1(moduleName, commands);
        var psd1 = ToolModuleScript.Psd1(moduleName, commands, new Version(1, 0, 0));

        Assert.StartsWith("# " + moduleName + ": ", psm1, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', psm1[..psm1.IndexOf("written by Export-McpToolModule", StringComparison.Ordinal)]);
        Assert.Contains("Server = " + PowerShellText.Quote(payload), psd1, StringComparison.Ordinal);
        Assert.Contains("Tool = " + PowerShellText.Quote(payload), psd1, StringComparison.Ordinal);
        var function = psm1[psm1.IndexOf("function " + commands[0].Name + " {", StringComparison.Ordinal)..];
        Assert.DoesNotContain("<#", HelpBlock(function, commands[0].Name), StringComparison.Ordinal);
    }

    /// <summary>The help block of a function: it must open right after <c>function Name {</c> and its first <c>#&gt;</c> must be the block's own last line.</summary>
    private static string HelpBlock(string function, string name)
    {
        var opening = "function " + name + " {" + Environment.NewLine + "    <#" + Environment.NewLine;
        var closing = "    Generated by AgentGateway (Import-McpTool, Export-McpToolModule) from the tool's listing." + Environment.NewLine + "    #>";
        Assert.StartsWith(opening, function, StringComparison.Ordinal);
        var end = function.IndexOf("#>", StringComparison.Ordinal);
        Assert.Equal(function.IndexOf(closing, StringComparison.Ordinal) + closing.Length - 2, end);
        return function[opening.Length..end];
    }

    [Theory]
    [InlineData(".EXTERNALHELP x", "\\.EXTERNALHELP x")]
    [InlineData("  .FORWARDHELPTARGETNAME Get-Date", "\\.FORWARDHELPTARGETNAME Get-Date")]
    [InlineData("a\n.EXAMPLE\nb", "a .EXAMPLE b")]
    [InlineData("x #> y <# z", "x # > y < # z")]
    [InlineData("##>>", "## >>")]
    [InlineData("a\u001b[31mb\u202Ec\0d", "a\uFFFD[31mb\uFFFDc\uFFFDd")]
    [InlineData("one\r\ntwo\u2028three", "one two three")]
    [InlineData("Plain text: 1 > 0 and # is fine.", "Plain text: 1 > 0 and # is fine.")]
    public void HelpLine_neutralises_comment_ends_keywords_and_control_characters(string text, string line)
    {
        Assert.Equal(line, PowerShellText.HelpLine(text));
        Assert.Equal(line, PowerShellText.HelpLine(line));
    }

    [Fact]
    public void HelpLines_keep_each_lines_spacing_and_escape_an_indented_keyword()
    {
        var lines = PowerShellText.HelpLines("First.\n    .EXTERNALHELP x\n\t.FORWARDHELPCATEGORY Cmdlet\n\u00A0.REMOTEHELPRUNSPACE r\n  keep  this\n", "    ").ToArray();

        Assert.Equal(["    First.", "        \\.EXTERNALHELP x", "     \\.FORWARDHELPCATEGORY Cmdlet", "    \u00A0\\.REMOTEHELPRUNSPACE r", "      keep  this", string.Empty], lines);
        Assert.DoesNotContain(lines, l => HelpKeyword().IsMatch(l));
    }

    [Theory]
    [InlineData("find-customer", "find-customer")]
    [InlineData("order.createDraft", "order.createDraft")]
    [InlineData("sap.sandbox:mcpServer:travel:v1", "sap.sandbox:mcpServer:travel:v1")]
    [InlineData("x\u2019; New-Item marker; \u2019y", "'x\u2019\u2019; New-Item marker; \u2019\u2019y'")]
    [InlineData("it\u2019s", "'it\u2019\u2019s'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("123", "'123'")]
    [InlineData("1e5", "'1e5'")]
    [InlineData("-Name", "'-Name'")]
    [InlineData("a b", "'a b'")]
    [InlineData("$(x)", "'$(x)'")]
    [InlineData("caf\u00E9", "'caf\u00E9'")]
    [InlineData("", "''")]
    public void CompletionText_is_a_plain_word_or_the_quoted_value(string value, string text) =>
        Assert.Equal(text, PowerShellText.CompletionText(value));

    [Theory]
    [InlineData("'it", "it")]
    [InlineData("\u2018it\u2019", "it")]
    [InlineData("\"x", "x")]
    [InlineData("plain", "plain")]
    [InlineData(null, "")]
    public void CompletionPrefix_leaves_out_the_quotes_typed(string? word, string prefix) =>
        Assert.Equal(prefix, PowerShellText.CompletionPrefix(word));

    [Theory]
    [InlineData("sandbox-crm", "sandbox-crm")]
    [InlineData("my server/../x", "my-server-..-x")]
    [InlineData("\u001b[31mevil\u202E\nname", "31mevil-name")]
    [InlineData("'quoted'; \"name\"", "quoted-name")]
    [InlineData("..", "McpServer")]
    [InlineData("", "McpServer")]
    [InlineData("caf\u00E9_v1.2", "caf\u00E9_v1.2")]
    public void A_module_name_from_a_server_name_is_a_safe_name(string serverName, string moduleName) =>
        Assert.Equal(moduleName, ToolModuleScript.ModuleNameFor(serverName));

    [Fact]
    public void A_module_name_is_cut_to_its_maximum_length() =>
        Assert.Equal(new string('a', ToolModuleScript.MaxModuleNameLength), ToolModuleScript.ModuleNameFor(new string('a', 500)));

    [Fact]
    public void The_example_takes_an_enum_value_the_help_can_show_as_it_is_and_a_default_or_example_only_when_it_can()
    {
        using var document = JsonDocument.Parse("""
            {"type":"object","properties":{
              "choice":{"type":"string","enum":["a\n#>\nx","b #> y","plain"]},
              "only":{"type":"string","enum":["a\n#>\nx"]},
              "fallback":{"type":"string","default":"x\n#> y"},
              "sample":{"type":"string","examples":["x\ty","fine"]}},
             "required":["choice","only","fallback","sample"]}
            """);
        var parameters = ToolParameterMapper.Map(document.RootElement.Clone()).ToDictionary(p => p.PropertyName);

        Assert.Equal("'plain'", parameters["choice"].ExampleValue);
        Assert.Equal("'a\n#>\nx'", parameters["only"].ExampleValue); // the only valid value: the help line sanitises it
        Assert.Equal("'text'", parameters["fallback"].ExampleValue);
        Assert.Equal("'fine'", parameters["sample"].ExampleValue);
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":5,"maximum":1}""")]
    [InlineData("""{"type":"integer","exclusiveMinimum":1,"exclusiveMaximum":2}""")]
    [InlineData("""{"type":"number","minimum":0.5,"maximum":0.25}""")]
    public void Bounds_that_admit_no_value_map_no_range_and_say_so(string propertySchema)
    {
        using var document = JsonDocument.Parse("""{"type":"object","properties":{"size":""" + propertySchema + "}}");
        var tool = new McpToolInfo { Name = "range-inverted", ServerName = "s", Url = new Uri("https://x.example/mcp"), InputSchema = document.RootElement.Clone() };

        var command = ToolCommand.ForTools([tool], null, s_verbs, _ => false)[0];

        Assert.Null(command.Parameters[0].Range);
        Assert.Contains("admit no value", command.Parameters[0].Warning, StringComparison.Ordinal);
        var script = ToolFunctionScript.Write(command);
        Assert.Contains("Note: the schema's bounds admit no value", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Thousands_of_tools_of_one_name_are_numbered_with_one_lookup_of_the_taken_names_each()
    {
        var tools = Enumerable.Range(0, 3000).Select(i => new McpToolInfo { Name = "ping", ServerName = "s", Url = new Uri("https://x.example/mcp"), InputSchema = default }).ToArray();
        var lookups = 0;

        var names = ToolCommandNames.Assign(tools, null, s_verbs, name =>
        {
            lookups++;
            return name == "Invoke-Ping5";
        });

        Assert.Equal(3000, names.Select(n => n.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("Invoke-Ping", names[0].Name);
        Assert.Equal("Invoke-Ping6", names[4].Name);
        Assert.DoesNotContain(names, n => n.Name == "Invoke-Ping5");
        Assert.InRange(lookups, 3000, 2 * 3000 + 10);
    }

    [Fact]
    public void The_twin_of_a_tool_is_found_among_thousands_of_tools_of_other_names()
    {
        var tools = Enumerable.Range(0, 3000).Select(i => new McpToolInfo { Name = $"tool-{i}", ServerName = "a", Url = new Uri("https://a.example/mcp"), InputSchema = default })
            .Append(new McpToolInfo { Name = "tool-7", ServerName = "b", Url = new Uri("https://b.example/mcp"), InputSchema = default })
            .ToArray();

        var names = ToolCommandNames.Assign(tools, null, s_verbs, _ => false);

        Assert.Equal("Invoke-ATool7", names[7].Name);
        Assert.Equal("Invoke-BTool7", names[3000].Name);
        Assert.Contains("tool 'tool-7' of server 'b'", names[7].RenamedBecause, StringComparison.Ordinal);
        Assert.Equal("Invoke-Tool8", names[8].Name);
    }

}
