# Server text hostile to a terminal (issue 19): sandbox-hostile-text (tests/AgentGateway.Sandbox/Hostile) puts escape
# sequences (clear screen, window title), a right-to-left override, NUL, a CR without LF and 200 KB strings in its
# serverInfo.name, tool names, titles, descriptions, log notifications, progress, elicitation and error messages. What
# reaches the host (streams, default views, prompts, -WhatIf, error messages) holds no control character but the line
# breaks the formatting makes, no bidirectional control, and is cut to a sane length; the objects keep what was sent.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $hostile = [uri] $sb.servers.'sandbox-hostile-text'

    # HostileTextServer.Payload, and the server's name.
    $payload = "`e[2J`e]0;title`a`u{202E}evil`0 text`rOVERWRITE"
    $serverName = "hostile$payload"
    $tools = @(Get-McpTool -Uri $hostile -ErrorAction Stop)

    # What no text shown may hold: a control character but LF (and the CR of a CR LF), or a bidirectional control.
    $unsafe = [regex] '[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|\r(?!\n)'

    # The problems of each text (an unsafe character, with its offset and code, or a length above $MaxLength), named
    # by $What; none when every text is fit. A problem never quotes the text (it would reach the test's output).
    function Get-UnfitText {
        param([AllowNull()] [AllowEmptyCollection()] [object[]] $Text, [Parameter(Mandatory)] [int] $MaxLength, [string] $What = 'text')
        $i = 0
        foreach ($item in @($Text)) {
            $t = "$item"
            $m = $unsafe.Match($t)
            if ($m.Success) {
                '{0} #{1}: U+{2:X4} at {3}' -f $What, $i, [int] $m.Value[0], $m.Index
            }
            if ($t.Length -gt $MaxLength) {
                '{0} #{1}: {2} characters, more than {3}' -f $What, $i, $t.Length, $MaxLength
            }
            $i++
        }
    }

    # Messages of the verbose, warning, debug and information records among $Records.
    function Get-StreamMessage([object[]] $Records) {
        foreach ($r in $Records) {
            switch ($r) {
                { $_ -is [System.Management.Automation.InformationalRecord] } { $_.Message }
                { $_ -is [System.Management.Automation.InformationRecord] } { "$($_.MessageData)" }
            }
        }
    }

    # Runs $Script in a runspace of the scripted host (answering prompts with $Answers); returns its output, the
    # PowerShell instance's streams and the host's user interface (what the host was given).
    function Invoke-InScriptedHost([string] $Script, [object[]] $Answers = @()) {
        $ui = [AgwTest.ScriptedUI]::new()
        foreach ($a in $Answers) { $ui.Answers.Enqueue($a) }
        $iss = [initialsessionstate]::CreateDefault2()
        $iss.ImportPSModule($ModuleManifest)
        $runspace = [runspacefactory]::CreateRunspace([AgwTest.ScriptedHost]::new($ui), $iss)
        $runspace.Open()
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $output = $ps.AddScript("Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; `$ProgressPreference = 'Continue'; $Script").Invoke()
            [pscustomobject]@{
                Output   = $output
                Errors   = @($ps.Streams.Error)
                Streams  = @(Get-StreamMessage (@($ps.Streams.Verbose) + @($ps.Streams.Warning) + @($ps.Streams.Debug) + @($ps.Streams.Information)))
                Progress = @($ps.Streams.Progress | ForEach-Object { $_.Activity; $_.StatusDescription; $_.CurrentOperation })
                UI       = $ui
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

AfterAll {
    Get-Module | Where-Object { $_.PrivateData -is [hashtable] -and $_.PrivateData.ContainsKey('AgentGatewayToolModule') } | Remove-Module -Force
    Disconnect-AgwTestSandbox $sb
}

Describe 'Server text hostile to a terminal' {
    It 'the tools keep every text as the server sent it' {
        $tools | Should -HaveCount 6
        $describe = $tools | Where-Object Name -EQ 'describe'
        $describe.ServerName -ceq $serverName | Should -BeTrue
        $describe.Title -ceq "title $payload" | Should -BeTrue
        $describe.Description.StartsWith("description $payload`n", [StringComparison]::Ordinal) | Should -BeTrue
        $describe.Description.Length | Should -BeGreaterThan (200 * 1024)
        $tools.Name -ccontains "named$payload" | Should -BeTrue
    }

    It 'Get-McpTool -Verbose: every line is fit and at most 2000 characters' {
        $records = Get-McpTool -Uri $hostile -Verbose -Debug 4>&1 5>&1 -ErrorAction Stop | Where-Object { $_ -isnot [AgentGateway.McpTool] }
        $lines = @(Get-StreamMessage $records)
        @($lines | Where-Object { $_ -like "Listed 6 tool(s) of 'hostile*" }).Count | Should -Be 1
        Get-UnfitText $lines -MaxLength 2000 -What 'verbose line' | Should -BeNullOrEmpty
    }

    It 'the default <View> view of the tools is fit and bounded' -ForEach @(
        @{ View = 'table'; Format = { $args[0] | Out-String -Width 200 } }
        @{ View = 'list'; Format = { $args[0] | Format-List | Out-String -Width 200 } }
    ) {
        $shown = & $Format $tools
        # (No assertion here prints the text: unfit, it would reach the test's own output.)
        $shown.Contains('describe') | Should -BeTrue
        $shown.Contains("hostile$([char] 0xFFFD)[2J") | Should -BeTrue -Because 'the server name is shown, its escapes replaced'
        Get-UnfitText $shown -MaxLength 40000 -What "$View view" | Should -BeNullOrEmpty
    }

    It 'a result: the default <View> view is fit and bounded, the result keeps its text' -ForEach @(
        @{ View = 'table'; Format = { $args[0] | Out-String -Width 200 } }
        @{ View = 'list'; Format = { $args[0] | Format-List | Out-String -Width 200 } }
    ) {
        $result = Invoke-McpTool -Uri $hostile -Name describe -ErrorAction Stop
        $result.Text.StartsWith("result $payload`n", [StringComparison]::Ordinal) | Should -BeTrue
        $result.Text.Length | Should -BeGreaterThan (200 * 1024)
        $shown = & $Format $result
        $shown.Contains('result') | Should -BeTrue
        Get-UnfitText $shown -MaxLength 40000 -What "$View view" | Should -BeNullOrEmpty
    }

    It 'log notifications (-Verbose) and progress are fit and bounded' {
        $run = Invoke-InScriptedHost "Invoke-McpTool -Uri '$hostile' -Name chatty -Verbose -ErrorAction Stop"
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0].Text -ceq "chatty $payload" | Should -BeTrue
        @($run.Streams | Where-Object { $_.StartsWith("[hostile$([char] 0xFFFD)", [StringComparison]::Ordinal) }).Count | Should -Be 2 -Because 'both log notifications reach -Verbose'
        @($run.Progress | Where-Object { $_ -like 'progress *' }).Count | Should -Be 1 -Because 'the progress message reaches the progress stream'
        Get-UnfitText $run.Streams -MaxLength 2000 -What 'verbose line' | Should -BeNullOrEmpty
        Get-UnfitText $run.Progress -MaxLength 2000 -What 'progress text' | Should -BeNullOrEmpty
        Get-UnfitText $run.UI.Written -MaxLength 2000 -What 'host write' | Should -BeNullOrEmpty
    }

    It 'a JSON-RPC error: the message is fit and bounded, the exception keeps the server''s message' {
        Invoke-McpTool -Uri $hostile -Name fail-rpc -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'McpProtocolError*'
        $failure[0].ToString() -like '*JSON-RPC error -32603: rpc error *' | Should -BeTrue
        Get-UnfitText $failure[0].ToString(), $failure[0].Exception.Message -MaxLength 4000 -What 'message' | Should -BeNullOrEmpty
        $failure[0].Exception.RpcErrorMessage.StartsWith("rpc error $payload`n", [StringComparison]::Ordinal) | Should -BeTrue
        $failure[0].Exception.RpcErrorMessage.Length | Should -BeGreaterThan (200 * 1024)
    }

    It 'a tool error: the message is fit and bounded, the result in the target keeps the text' {
        Invoke-McpTool -Uri $hostile -Name fail-tool -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'McpToolError*'
        $failure[0].ToString() -like "The tool 'fail-tool' reported an error: tool error *" | Should -BeTrue
        Get-UnfitText $failure[0].ToString(), $failure[0].Exception.Message -MaxLength 4000 -What 'message' | Should -BeNullOrEmpty
        $failure[0].TargetObject.Text.StartsWith("tool error $payload`n", [StringComparison]::Ordinal) | Should -BeTrue
        # The category line of the error view names the target by its ToString(), here the result's text.
        Get-UnfitText $failure[0].CategoryInfo.TargetName, $failure[0].CategoryInfo.ToString() -MaxLength 2000 -What 'category line' | Should -BeNullOrEmpty
    }

    It 'an elicitation no host can answer: the warning is fit and bounded, and still says what to do' {
        $result = Invoke-McpTool -Uri $hostile -Name ask -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $result.Text | Should -Be 'decline'
        $warnings | Should -HaveCount 1
        $warnings[0].Message -like "The MCP server 'hostile*' asked: `"message *`". Declined: this host cannot prompt. Pass -ElicitationHandler to answer from a script." | Should -BeTrue
        Get-UnfitText $warnings[0].Message -MaxLength 2000 -What 'warning' | Should -BeNullOrEmpty
    }

    It 'an elicitation through the host: every caption, message, choice and label is fit and bounded; the answer is sent as given' {
        # Answer the form; pick: the second choice; note: empty input takes the default, which goes back as the server sent it.
        $run = Invoke-InScriptedHost "(Invoke-McpTool -Uri '$hostile' -Name ask -ErrorAction Stop).Text" -Answers @(0, 1, '')
        $run.Errors | Should -BeNullOrEmpty
        $run.UI.Answers.Count | Should -Be 0 -Because 'every scripted answer was asked for'
        $content = ("$($run.Output)" -replace '^accept ', '') | ConvertFrom-Json
        $content.pick | Should -Be 'two'
        $content.note -ceq "default $payload" | Should -BeTrue -Because 'the default goes back as the server sent it'

        $shown = $run.UI.Shown
        $shown | Should -HaveCount 3 -Because 'the form, the choice and the field were asked'
        $texts = @($shown | ForEach-Object { $_.Caption; $_.Message; $_.Choices; $_.ChoiceHelp; $_.FieldLabel; $_.FieldHelp })
        Get-UnfitText $texts -MaxLength 4000 -What 'prompt text' | Should -BeNullOrEmpty
        Get-UnfitText ($shown | ForEach-Object { $_.Caption; $_.Choices; $_.FieldLabel }) -MaxLength 2000 -What 'caption, choice or label' | Should -BeNullOrEmpty
        $shown[0].Caption -like "The MCP server 'hostile*' asks" | Should -BeTrue
        $shown[1].Choices[1] -like '&2 two *' | Should -BeTrue
    }

    It '-WhatIf on a tool whose name is hostile: what the host shows is fit' {
        $run = Invoke-InScriptedHost "Get-McpTool -Uri '$hostile' | Where-Object Name -Like 'named*' | Invoke-McpTool -WhatIf"
        $run.Errors | Should -BeNullOrEmpty
        $whatIf = @($run.UI.Written | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 1
        $whatIf[0] -like "*tool 'named*" | Should -BeTrue
        Get-UnfitText $run.UI.Written -MaxLength 2000 -What 'host write' | Should -BeNullOrEmpty
    }

    It 'completion of -Name: the list items and tooltips are fit and bounded; the completion is the name as listed' {
        $line = 'Invoke-McpTool -Name '
        # '(hostile': this server's tools (their tooltip names the server), not those of sandbox-hostile-* servers other files listed in this runspace.
        $completed = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Where-Object { $_.ToolTip.Contains('(hostile') })
        $completed.Count | Should -Be 6 -Because 'every tool of the server is offered'
        Get-UnfitText ($completed | ForEach-Object { $_.ListItemText; $_.ToolTip }) -MaxLength 1000 -What 'list item or tooltip' | Should -BeNullOrEmpty
        $completed.CompletionText | Should -Contain 'describe'
    }

    It 'Import-McpTool: warnings, verbose lines and the module''s description are fit; its data keeps the server''s name' {
        $records = @(Import-McpTool -Uri $hostile -PassThru -Verbose 4>&1 3>&1 -ErrorAction Stop)
        $module = $records | Where-Object { $_ -is [psmoduleinfo] }
        $module | Should -HaveCount 1
        Get-UnfitText (Get-StreamMessage $records) -MaxLength 2000 -What 'verbose or warning' | Should -BeNullOrEmpty
        $module.Description -like "MCP tools of server 'hostile*" | Should -BeTrue
        Get-UnfitText $module.Description -MaxLength 2000 -What 'description' | Should -BeNullOrEmpty
        $module.PrivateData.Tools[0].Server -ceq $serverName | Should -BeTrue
    }
}
