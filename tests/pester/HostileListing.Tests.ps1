# Issue 19: a hostile server's listing cannot run code. The sandbox's hostile servers
# (tests/AgentGateway.Sandbox/Hostile/HostileListingServer.cs) put payloads into every field Import-McpTool and
# Export-McpToolModule turn into script: the server name, tool names, titles, descriptions, property names, enum
# values, defaults, examples and nested keys. Each payload, if it ran, would create a file named after its field in
# the sandbox's marker folder: the folder must stay empty through import, Get-Help, Get-Command, completion, export
# and a fresh Import-Module of the export. sandbox-hostile-exploit carries one way out only (a line break and #> that
# closes the function, in every field), which ran at import before the fix. The module works in a runspace of its own
# (Invoke-Hostile), so the hostile listings this file makes are no other file's completions or lookups; what it
# returns is checked here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $markers = $sb.hostileMarkerDirectory
    $endpoints = [ordered]@{
        hostile = $sb.servers.'sandbox-hostile'
        twin    = $sb.servers.'sandbox-hostile-twin'
        exploit = $sb.servers.'sandbox-hostile-exploit'
    }
    $sharedSteps = 'AgwToolBegin', 'AgwToolProcess', 'AgwToolEnd', 'AgwToolClean'

    $script:rs = New-AgwTestRunspace
    $null = Invoke-InRunspace $rs "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"

    # Invoke-Hostile (Common.ps1) runs a script in $rs.

    # Output of a script in this file's runspace; an error there fails the test.
    function Invoke-HostileOutput {
        param([Parameter(Mandatory)] [scriptblock] $Script, [object[]] $ArgumentList = @())
        $run = Invoke-Hostile $Script $ArgumentList
        $run.Errors | Should -BeNullOrEmpty
        $run.Output
    }

    # The files payloads created (none, unless code from a listing ran).
    function Get-Marker { @(Get-ChildItem -LiteralPath $markers -Force | ForEach-Object Name) }

    function Remove-AgwToolModules {
        $null = Invoke-HostileOutput {
            Get-Module | Where-Object { $_.PrivateData -is [hashtable] -and $_.PrivateData.ContainsKey('AgentGatewayToolModule') } | Remove-Module -Force
        }
    }

    # The engine's value behind a listed tool (McpTool.Info is internal).
    function Get-ToolInfo($Tool) { $Tool.GetType().GetProperty('Info', [System.Reflection.BindingFlags]'NonPublic, Instance').GetValue($Tool) }

    # The AST of a script that must parse.
    function Read-Script([string] $Text) {
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref] $null, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $ast
    }

    # A module's text holds its own statements only: the functions (and the steps they share), the access token
    # variable and Export-ModuleMember. No command but its own is called anywhere, no string expands, and no
    # function's help forwards, points at a file or at a runspace.
    function Assert-OnlyGeneratedCode($Ast, [string[]] $Functions, [string[]] $Shared = $sharedSteps, [string[]] $Others = @('^\$script:AgwAccessToken = \$null$', '^\$script:AgwEnvironment = \$null$')) {
        $statements = $Ast.EndBlock.Statements
        $defined = @($statements | Where-Object { $_ -is [System.Management.Automation.Language.FunctionDefinitionAst] })
        @($defined.Name | Sort-Object) | Should -Be @(@($Functions) + @($Shared) | Where-Object { $_ } | Sort-Object)
        $allowed = @($Others) + "^Export-ModuleMember -Function '\*-\*'$"
        $others = @($statements | Where-Object { $_ -isnot [System.Management.Automation.Language.FunctionDefinitionAst] }).Extent.Text
        $others | Where-Object { $text = $_; -not ($allowed | Where-Object { $text -match $_ }) } | Should -BeNullOrEmpty
        $called = $Ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.CommandElements[0].Extent.Text } | Sort-Object -Unique
        $called | Where-Object { $_ -notin @($sharedSteps) + 'AgentGateway\Invoke-McpTool', 'Export-ModuleMember' } | Should -BeNullOrEmpty
        $Ast.FindAll({ $args[0] -is [System.Management.Automation.Language.ExpandableStringExpressionAst] }, $true) | Should -BeNullOrEmpty
        foreach ($function in $defined | Where-Object Name -NotIn $sharedSteps) {
            $function.Body.FindAll({ $args[0] -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | Should -BeNullOrEmpty
            $help = $function.GetHelpContent()
            $help.Synopsis | Should -Not -BeNullOrEmpty -Because "$($function.Name) has its help"
            $help.ForwardHelpTargetName, $help.ForwardHelpCategory, $help.RemoteHelpRunspace, $help.MamlHelpFile | Where-Object { $_ } | Should -BeNullOrEmpty
        }
    }

    # The one argument of a completed line: it parses, and the command has the parameter and exactly one value.
    function Get-OnlyArgument([string] $Line) {
        $ast = Read-Script $Line
        $ast.EndBlock.Statements | Should -HaveCount 1 -Because "'$Line' is one statement"
        $elements = $ast.EndBlock.Statements[0].PipelineElements
        $elements | Should -HaveCount 1 -Because "'$Line' is one command"
        $parts = $elements[0].CommandElements
        $parts | Should -HaveCount 3 -Because "'$Line' is the command, the parameter and one argument"
        $parts[1] | Should -BeOfType System.Management.Automation.Language.CommandParameterAst
        $parts[2] | Should -BeOfType System.Management.Automation.Language.StringConstantExpressionAst
        $parts[2].Value
    }

    # The completions of a line, in this file's runspace.
    function Get-Completion([string] $Line) {
        Invoke-HostileOutput { param($line) (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches } $Line
    }

    # What Get-Help and Get-Command show of each command, in this file's runspace.
    function Get-Shown([string[]] $Names) {
        Invoke-HostileOutput {
            param($names)
            foreach ($name in $names) {
                $help = Get-Help $name -Full
                $command = Get-Command $name
                [pscustomobject]@{
                    Name        = $name
                    HelpName    = $help.Name
                    Synopsis    = $help.Synopsis
                    Description = $help.Description.Text -join "`n"
                    Text        = $help | Out-String -Width 400
                    Syntax      = Get-Command $name -Syntax
                    Parameters  = $command.Parameters.PSBase.Count
                    HelpContent = $command.ScriptBlock.Ast.GetHelpContent()
                }
            }
        } (, $Names)
    }

    Remove-AgwToolModules
    $listed = [ordered]@{}
    foreach ($key in $endpoints.Keys) { $listed[$key] = @(Invoke-HostileOutput { param($uri) Get-McpTool -Uri $uri } $endpoints[$key]) }
    $allTools = @($listed.Values | ForEach-Object { $_ })
}

AfterAll {
    Remove-AgwToolModules
    $rs.Dispose()
    Disconnect-AgwTestSandbox $sb
}

Describe 'A hostile listing' {
    It 'is listed whole, and its payloads carry commands that do run' {
        $listed.hostile.Count | Should -BeGreaterThan 20
        $listed.twin.Name | Should -Contain 'plain'
        $listed.hostile.Name | Should -Contain "it$([char]0x2019)s"
        Get-Marker | Should -BeNullOrEmpty

        # The command a payload carries creates its marker when it runs: an empty folder later means none ran.
        $description = ($listed.exploit | Where-Object Name -Like '*-comment').Description
        $command = [regex]::Match($description, 'New-Item -Force -ItemType File -Path \(-join \[char\[\]\]\([0-9,]+\)\)').Value
        $null = & ([scriptblock]::Create($command))
        Get-Marker | Should -Be @('c.comment.description')
        Remove-Item -LiteralPath (Join-Path $markers 'c.comment.description')
    }

    It 'imports sandbox-hostile-exploit (one way out of a comment, in every field) and runs nothing of it' {
        Remove-AgwToolModules
        $module = Invoke-HostileOutput { param($uri) Import-McpTool -Uri $uri -PassThru -WarningAction SilentlyContinue } $endpoints.exploit
        Get-Marker | Should -BeNullOrEmpty -Because 'the example line of the help once took enum values, defaults, examples and nested keys raw'
        $module.ExportedFunctions.Count | Should -Be $listed.exploit.Count
        (Get-Shown @($module.ExportedFunctions.Keys)).Text | Should -Not -BeNullOrEmpty
        Get-Marker | Should -BeNullOrEmpty
        Remove-AgwToolModules
    }

    Context 'Import-McpTool, Get-Help, Get-Command' {
        BeforeAll {
            Remove-AgwToolModules
            $run = Invoke-Hostile { $args | Import-McpTool -PassThru } $allTools
            $run.Errors | Should -BeNullOrEmpty
            $modules = @($run.Output)
            $warnings = $run.Warnings
        }

        It 'makes a command of every tool, in modules with safe names, and runs nothing of the listing' {
            Get-Marker | Should -BeNullOrEmpty
            $modules | Should -HaveCount 3
            $modules.Name | ForEach-Object { $_ | Should -Match '^[\p{L}\p{Nd}_.-]{1,64}$' }
            ($modules | ForEach-Object { $_.ExportedFunctions.Count } | Measure-Object -Sum).Sum | Should -Be $allTools.Count
        }

        It 'warns with server text fit for a terminal, naming the tools' {
            $warnings | Should -Not -BeNullOrEmpty
            $warnings.Message | ForEach-Object { $_ | Should -Not -Match '[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]' }
            $warnings.Message | Where-Object { $_ -like "Tool 'plain' of server 'hostile-*" } | Should -HaveCount 3 -Because 'the three hostile servers have a tool named plain'
            $warnings.Message | Where-Object { $_ -like "Tool 'range-inverted' of server *admit no value*" } | Should -HaveCount 3
        }

        It 'shows every command through Get-Help and Get-Command with its own help: no help keyword of the listing takes effect' {
            $shown = @(Get-Shown @($modules.ExportedFunctions.Keys))
            $shown | Should -HaveCount $allTools.Count
            foreach ($one in $shown) {
                $one.HelpName | Should -Be $one.Name -Because 'help forwarded to another command (.FORWARDHELPTARGETNAME) would be named after it'
                $one.Synopsis | Should -Not -BeNullOrEmpty
                $one.Synopsis | Should -Not -Match '^Hijacked'
                $one.Text | Should -Not -BeNullOrEmpty
                $one.Syntax | Should -Not -BeNullOrEmpty
                $one.Parameters | Should -BeGreaterThan 10
                $content = $one.HelpContent
                $content.ForwardHelpTargetName, $content.ForwardHelpCategory, $content.RemoteHelpRunspace, $content.MamlHelpFile | Where-Object { $_ } | Should -BeNullOrEmpty
            }
            $external = ($modules[0].PrivateData.Tools | Where-Object Tool -Like '*-external-help-indented').Command
            ($shown | Where-Object Name -EQ $external).Description | Should -Match '\\\.EXTERNALHELP .*hostile-help\.xml'
            Get-Marker | Should -BeNullOrEmpty
        }

        It 'leaves a parameter whose minimum is above its maximum without a range: that one command still shows, saying why' {
            $command = ($modules[0].PrivateData.Tools | Where-Object Tool -EQ 'range-inverted').Command
            $size = Invoke-HostileOutput { param($name) [pscustomobject]@{ Attributes = (Get-Command $name).Parameters.Size.Attributes; Help = Get-Help $name -Parameter Size | Out-String -Width 400 } } $command
            $size.Attributes | Where-Object { $_ -is [ValidateRange] } | Should -BeNullOrEmpty
            $size.Help | Should -Match 'admit no value'
        }

        It 'builds the dynamic module from its own statements only: every server string is quoted data or sanitised help' {
            $toolCommand = Get-AgwEngineType 'AgentGateway.Engine.ToolCommands.ToolCommand'
            $moduleScript = Get-AgwEngineType 'AgentGateway.Engine.ToolCommands.ToolModuleScript'
            foreach ($key in $listed.Keys) {
                $infos = [Array]::CreateInstance((Get-AgwEngineType 'AgentGateway.Engine.Mcp.Tools.McpToolInfo'), $listed[$key].Count)
                for ($i = 0; $i -lt $infos.Length; $i++) { $infos[$i] = Get-ToolInfo $listed[$key][$i] }
                $commands = $toolCommand::ForTools($infos, $null, [string[]] (Get-Verb).Verb, [Func[string, bool]] { $false })
                $text = $moduleScript::Dynamic($commands, $null)
                Assert-OnlyGeneratedCode (Read-Script $text) $commands.Name -Others '^\$script:AgwAccessToken = \$AgwAccessToken$', '^\$script:AgwEnvironment = \$AgwEnvironment$'
            }
        }
    }

    Context 'completion' {
        It 'completes every tool name on <Command> -Name as exactly one argument' -ForEach @(
            @{ Command = 'Get-McpTool'; Pattern = $true }
            @{ Command = 'Import-McpTool'; Pattern = $true }
            @{ Command = 'Export-McpToolModule'; Pattern = $true }
            @{ Command = 'Invoke-McpTool'; Pattern = $false }
        ) {
            $completed = foreach ($match in Get-Completion "$Command -Name ") {
                $value = Get-OnlyArgument "$Command -Name $($match.CompletionText)"
                if ($Pattern) { [WildcardPattern]::Unescape($value) } else { $value }
                $match.ListItemText | Should -Not -Match '[\p{Cc}\u202A-\u202E]'
            }
            foreach ($name in $allTools.Name | Sort-Object -Unique) {
                @($completed | Where-Object { $_ -ceq $name }) | Should -HaveCount 1 -Because "'$name' is completed once"
            }
            Get-Marker | Should -BeNullOrEmpty
        }

        It 'completes a name from a typed prefix with or without its quote: <Typed>' -ForEach @(
            @{ Typed = "'it"; Name = "it$([char]0x2019)s" }
            @{ Typed = 'it'; Name = "it$([char]0x2019)s" }
            @{ Typed = "x$([char]0x2019)"; Name = $null }
        ) {
            $expected = if ($Name) { $Name } else { ($allTools | Where-Object Name -Like "x$([char]0x2019)*").Name | Select-Object -First 1 }
            $completions = @(Get-Completion "Invoke-McpTool -Name $Typed")
            $values = $completions | ForEach-Object { Get-OnlyArgument "Invoke-McpTool -Name $($_.CompletionText)" }
            $values | Should -Contain $expected
        }

        It 'completes -OrdId as exactly one argument' {
            foreach ($match in Get-Completion 'Get-McpTool -OrdId ') {
                Get-OnlyArgument "Get-McpTool -OrdId $($match.CompletionText)" | Should -BeLike 'sap.sandbox:*'
            }
        }

        It 'completes the enum values of every generated command as exactly one argument each' {
            Remove-AgwToolModules
            $modules = @(Invoke-HostileOutput { $args | Import-McpTool -PassThru -WarningAction SilentlyContinue } $allTools)
            $checked = 0
            foreach ($name in $modules.ExportedFunctions.Keys) {
                foreach ($parameter in (Invoke-HostileOutput { param($name) (Get-Command $name).Parameters.Values } $name)) {
                    $set = $parameter.Attributes | Where-Object { $_.GetType().Name -eq 'ValidateToolValuesAttribute' }
                    if (-not $set) { continue }
                    $set.ValidValues.Count | Should -BeGreaterThan 0
                    $values = foreach ($match in Get-Completion "$name -$($parameter.Name) ") { Get-OnlyArgument "$name -$($parameter.Name) $($match.CompletionText)" }
                    @($values | Sort-Object -Unique) | Should -Be @($set.ValidValues | Sort-Object -Unique) -Because "$name -$($parameter.Name) completes its values"
                    $checked++
                }
            }
            $checked | Should -BeGreaterThan 40
            Get-Marker | Should -BeNullOrEmpty
        }
    }

    Context 'Export-McpToolModule' {
        BeforeAll {
            $folder = Join-Path $TestDrive 'HostileTools'
            $files = @(Invoke-HostileOutput { param($folder, $tools) $tools | Export-McpToolModule -Path $folder -WarningAction SilentlyContinue } $folder, (, $allTools))
        }

        It 'writes files that parse to the module''s own statements, and run nothing' {
            $files.Name | Should -Be @('HostileTools.psd1', 'HostileTools.psm1')
            Get-Marker | Should -BeNullOrEmpty
            $manifest = Import-PowerShellDataFile (Join-Path $folder 'HostileTools.psd1')
            $manifest.FunctionsToExport | Should -HaveCount $allTools.Count
            $manifest.PrivateData.AgentGateway.Tools.Tool | Sort-Object | Should -Be ($allTools.Name | Sort-Object)
            Assert-OnlyGeneratedCode (Read-Script (Get-Content -Raw (Join-Path $folder 'HostileTools.psm1'))) $manifest.FunctionsToExport
        }

        It 'is imported by a fresh pwsh that shows every command''s help and completes its values, running nothing' {
            $child = Join-Path $TestDrive 'hostile-child.ps1'
            Set-Content -Path $child -Value @'
param($ModuleRoot, $Manifest)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$module = Import-Module $Manifest -PassThru
$report = [ordered]@{ Commands = 0; OwnHelp = 0; Completed = 0 }
foreach ($name in $module.ExportedFunctions.Keys) {
    $report.Commands++
    $help = Get-Help $name -Full
    if ($help.Name -eq $name -and $help.Synopsis) { $report.OwnHelp++ }
    $null = $help | Out-String
    $null = Get-Command $name -Syntax
    if ((Get-Command $name).Parameters.ContainsKey('Choice')) {
        $line = "$name -Choice "
        $report.Completed += (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.Count
    }
}
$report | ConvertTo-Json -Compress
'@
            $pwsh = Get-AgwPwshCommand
            $moduleRoot = Split-Path (Resolve-Path $ModulePath).Path -Parent
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $child -ModuleRoot $moduleRoot -Manifest (Join-Path $folder 'HostileTools.psd1') 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "the child said:`n$($output -join "`n")"
            $report = $output | Select-Object -Last 1 | ConvertFrom-Json
            $report.Commands | Should -Be $allTools.Count
            $report.OwnHelp | Should -Be $allTools.Count
            $report.Completed | Should -BeGreaterThan 40
            Get-Marker | Should -BeNullOrEmpty
        }
    }
}

Describe 'Export-McpToolModule -Path on another provider' {
    It 'refuses <Path> with ToolModulePathNotFileSystem and writes nothing' -ForEach @(
        @{ Path = 'Env:/AgwHostileExport' }
        @{ Path = 'Function:/AgwHostileExport' }
    ) {
        # Such a path was once taken for a folder in the process's working directory: here, the test drive.
        $saved = [Environment]::CurrentDirectory
        [Environment]::CurrentDirectory = $TestDrive
        try {
            $run = Invoke-Hostile { param($uri, $path) Export-McpToolModule -Uri $uri -Name plain -Path $path } $endpoints.hostile, $Path
        }
        finally {
            [Environment]::CurrentDirectory = $saved
        }
        $run.Errors | Should -HaveCount 1
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ToolModulePathNotFileSystem,*'
        $run.Output | Should -BeNullOrEmpty
        Join-Path $TestDrive 'AgwHostileExport' | Should -Not -Exist
        Test-Path Env:/AgwHostileExport | Should -BeFalse
    }
}

Describe 'Import-McpTool and Export-McpToolModule of many tools' {
    It '<Command> writes its progress while it makes the commands' -ForEach @(
        @{ Command = 'Import-McpTool'; Script = 'Import-McpTool -Uri $args[0] -Name tool-0001* -PassThru' }
        @{ Command = 'Export-McpToolModule'; Script = 'Export-McpToolModule -Uri $args[0] -Name tool-0001* -Path $args[1]' }
    ) {
        $runspace = New-AgwTestRunspace
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; $Script").AddArgument($sb.servers.'sandbox-many-tools').AddArgument((Join-Path $TestDrive "Many$Command"))
            $output = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $output | Should -Not -BeNullOrEmpty
            $progress = @($ps.Streams.Progress | Where-Object Activity -EQ $Command)
            $progress.Count | Should -BeGreaterThan 2
            $progress.StatusDescription | Where-Object { $_ -like '10 tool(s): Writing the functions: 10 of 10' } | Should -Not -BeNullOrEmpty
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}
