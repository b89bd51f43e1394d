using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Tests.Diagnostics;

/// <summary>
/// Engine messages say what happened; what to type (a cmdlet, a parameter) is the cmdlet layer's recommended
/// action (ErrorRecords). This reads the engine's string literals, so a message that names one fails here.
/// </summary>
public sealed partial class EngineMessageTests
{
    [Fact]
    public void No_engine_string_names_a_cmdlet_or_a_parameter_to_type()
    {
        var engine = Path.Combine(RepositoryRoot(), "src", "AgentGateway.Engine");
        var offenders = new List<string>();
        var files = Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            // Tool commands write PowerShell scripts that call Invoke-McpTool: code, not messages.
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}ToolCommands{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (Match literal in StringLiteral().Matches(lines[i]))
                {
                    if (WhatToType().Match(literal.Value) is { Success: true } hit)
                    {
                        offenders.Add($"{Path.GetRelativePath(engine, file)}:{i + 1}: {hit.Value}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "Engine strings that name what to type (move it to ErrorRecords.Actions):" + Environment.NewLine + string.Join(Environment.NewLine, offenders));
    }

    [Fact]
    public void The_check_finds_a_cmdlet_and_a_parameter()
    {
        Assert.Matches(WhatToType(), "\"raise Set-AgwClientConfig -Timeout\"");
        Assert.Matches(WhatToType(), "\"Pass a valid -AccessToken\"");
        Assert.DoesNotMatch(WhatToType(), "\"plain http is allowed only to localhost (x-y -1)\"");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentGateway.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\b(?:Set|Get|Clear|Invoke|Import|Export)-(?:Agw|Mcp)\w*|\bGet-Help\b|(?<![\w-])-(?:[A-Z][a-z]+){1,4}\b")]
    private static partial Regex WhatToType();
}
