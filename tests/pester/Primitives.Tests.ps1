# Resources, resource templates and prompts, end to end against the sandbox gateway: sandbox-travel and sandbox-crm
# offer them (tests/AgentGateway.Sandbox/SandboxPrimitives.cs), sandbox-catalog declares none, the offline server is down.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'
    $offline = 'sap.sandbox:mcpServer:offline:v1'
    $logo = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x10, 0x80, 0x7F, 0x01)
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Get-McpResource' {
    It 'lists the resources and templates of every dependency; the down one is an error naming it' {
        $all = @(Get-McpResource -ErrorVariable failures -ErrorAction SilentlyContinue)

        ($all | Where-Object OrdId -EQ $travel).ResourceUri | Should -Be @('travel://guides/lisbon', 'travel://images/logo.png', 'travel://guides/{city}', 'travel://bundle/{name}')
        ($all | Where-Object OrdId -EQ $crm).Name | Should -Be 'customer-index'
        $all | Where-Object OrdId -Like '*catalog*' | Should -BeNullOrEmpty
        $all[0] | Should -BeOfType ([AgentGateway.McpResource])
        @($failures).Count | Should -Be 1
        $failures[0].TargetObject | Should -Be $offline
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'McpServer*'
    }

    It 'shows a template with its variables' {
        $template = Get-McpResource -OrdId $travel -Name city-guide
        $template.IsTemplate | Should -BeTrue
        $template.Variables | Should -Be @('city')
    }

    It 'filters by -ResourceUri with wildcards, and a literal -Name that matches nothing is an error with the closest' {
        @(Get-McpResource -OrdId $travel -ResourceUri 'travel://images/*').Name | Should -Be @('logo')
        $null = Get-McpResource -OrdId $travel -Name 'lisbon-guid' -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'McpResourceNotFound,*'
        $missing[0].Exception.Message | Should -Match 'lisbon-guide'
    }

    It 'formats as a table without errors' {
        { Get-McpResource -OrdId $travel | Format-Table | Out-String } | Should -Not -Throw
    }
}

Describe 'Read-McpResource' {
    It 'reads a text resource from the one dependency that lists it' {
        $content = Read-McpResource -ResourceUri 'travel://guides/lisbon'
        $content | Should -BeOfType ([AgentGateway.McpResourceContent])
        $content.Text | Should -Be "# lisbon`nSee the sights of lisbon."
        $content.MimeType | Should -Be 'text/markdown'
        $content.IsBlob | Should -BeFalse
    }

    It 'reads a blob as bytes' {
        $content = Read-McpResource -ResourceUri 'travel://images/logo.png' -OrdId $travel
        $content.IsBlob | Should -BeTrue
        $content.Blob | Should -Be $logo
        $content.Size | Should -Be $logo.Length
    }

    It 'fills a piped template from -Arguments' {
        $content = Get-McpResource -OrdId $travel -Name city-guide | Read-McpResource -Arguments @{ city = 'Porto Alegre' }
        $content.ResourceUri | Should -Be 'travel://guides/Porto%20Alegre'
        $content.Text | Should -Match 'sights of Porto Alegre'
    }

    It 'refuses a template without a value for a variable, before sending' {
        $null = Get-McpResource -OrdId $travel -Name city-guide | Read-McpResource -Arguments @{ town = 'x' } -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ResourceTemplateArgumentsInvalid,*'
        $bad[0].Exception.Message | Should -Match "'city'"
    }

    It 'writes one item to the file -OutFile names, and nothing to the pipeline' {
        $file = Join-Path $TestDrive 'logo.png'
        $out = Read-McpResource -ResourceUri 'travel://images/logo.png' -OrdId $travel -OutFile $file
        $out | Should -BeNullOrEmpty
        [IO.File]::ReadAllBytes($file) | Should -Be $logo
    }

    It 'writes several items into the folder -OutFile names, named from their URIs' {
        $folder = Join-Path $TestDrive 'bundle'
        $items = @(Read-McpResource -ResourceUri 'travel://bundle/{name}' -Arguments @{ name = 'b1' } -OrdId $travel -OutFile $folder -PassThru)
        $items.Count | Should -Be 2
        (Get-ChildItem $folder).Name | Sort-Object | Should -Be @('logo.png', 'readme.txt')
        Get-Content -Raw (Join-Path $folder 'readme.txt') | Should -Be 'Bundle b1'
        [IO.File]::ReadAllBytes((Join-Path $folder 'logo.png')) | Should -Be $logo
    }

    It 'passes on the server''s error for a URI it does not know' {
        $null = Read-McpResource -ResourceUri 'travel://nowhere' -OrdId $travel -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'McpProtocolError,*'
    }

    It 'names a server that offers no resources' {
        $null = Read-McpResource -ResourceUri 'catalog://x' -OrdId 'sap.sandbox:mcpServer:catalog:v1' -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'McpCapabilityMissing,*'
    }
}

Describe 'Get-McpPrompt and Get-McpPromptMessage' {
    It 'lists the prompts with their arguments' {
        $prompts = @(Get-McpPrompt -ErrorAction SilentlyContinue)
        ($prompts | Where-Object OrdId -EQ $travel).Name | Should -Be @('plan-trip', 'greet')
        $plan = $prompts | Where-Object Name -EQ 'plan-trip'
        $plan.Arguments.Name | Should -Be @('destination', 'nights')
        $plan.Arguments.Required | Should -Be @($true, $false)
        { $prompts | Format-Table | Out-String } | Should -Not -Throw
    }

    It 'renders a prompt by name, with every kind of message kept' {
        $messages = @(Get-McpPromptMessage -Name plan-trip -Arguments @{ destination = 'Lisbon'; nights = 2 })
        $messages.Role | Should -Be @('user', 'assistant', 'user')
        $messages[0] | Should -BeOfType ([AgentGateway.McpPromptMessage])
        $messages[0].Text | Should -Be 'Plan 2 nights in Lisbon.'
        $messages[1].Type | Should -Be 'image'
        $messages[1].Content.GetBytes() | Should -Be $logo
        $messages[2].Type | Should -Be 'resource'
        $messages[2].Content.Uri | Should -Be 'travel://guides/lisbon'
        { $messages | Format-Table | Out-String } | Should -Not -Throw
    }

    It 'renders a piped prompt' {
        (Get-McpPrompt -OrdId $crm -Name summarize-customer | Get-McpPromptMessage -Arguments ([pscustomobject]@{ customerId = 'C-1' })).Text | Should -Be 'Summarize customer C-1.'
    }

    It 'checks required arguments before sending' {
        $before = (Get-AgwSandboxStats $sb).mcpRequests
        $null = Get-McpPromptMessage -Name plan-trip -OrdId $travel -Arguments @{ nights = 2 } -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'PromptArgumentsInvalid,*'
        $bad[0].Exception.Message | Should -Match "'destination'"
        (Get-AgwSandboxStats $sb).mcpRequests | Should -Be $before
    }

    It 'names a prompt no server has, with the closest' {
        $null = Get-McpPromptMessage -Name plan-tripp -OrdId $travel -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'McpPromptNotFound,*'
    }
}

Describe 'Completion from the listings (no network)' {
    It 'completes -ResourceUri and a prompt -Name from what was listed' {
        $null = Get-McpResource -OrdId $travel
        $null = Get-McpPrompt -OrdId $travel
        $line = "Read-McpResource -ResourceUri travel://g"
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain "'travel://guides/lisbon'"
        $line = 'Get-McpPromptMessage -Name pla'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('plan-trip')
    }
}

Describe 'Local servers over stdio (the sandbox''s own: agw-sandbox stdio)' {
    BeforeAll {
        $dll = (Resolve-Path (Join-Path $PSScriptRoot '../AgentGateway.Sandbox/bin/Release/net10.0/AgentGateway.Sandbox.dll')).Path
        $local = @{ Command = 'dotnet'; ArgumentList = @($dll, 'stdio'); Environment = @{ AGW_STDIO_MARK = 'marked-value' } }
    }

    AfterAll {
        Stop-McpLocalServer
    }

    It 'lists and calls tools, reads resources and renders prompts through one process, which sees no credentials' {
        (Get-McpTool @local -Name whoami).ServerName | Should -Be 'sandbox-stdio'
        $who = (Invoke-McpTool @local -Name whoami).Text
        (Read-McpResource @local -ResourceUri 'travel://guides/lisbon').Text | Should -Match 'lisbon'
        (Get-McpPromptMessage @local -Name greet).Text | Should -Be 'Hello from sandbox-travel.'
        (Invoke-McpTool @local -Name whoami).Text | Should -Be $who
        $who | Should -Match 'credentials variables: \[\];'
        $who | Should -Match 'AGW_STDIO_MARK=marked-value'

        $server = Get-McpLocalServer
        $server.Running | Should -BeTrue
        $server.Starts | Should -Be 1
        $server.EnvironmentNames | Should -Be @('AGW_STDIO_MARK')
        # The revision it answered initialize with is kept as an HTTP server's is, and shown where a tool's is.
        $server.ProtocolVersion | Should -Match '^\d{4}-\d{2}-\d{2}$'
        (Get-McpTool @local -Name whoami).ProtocolVersion | Should -Be $server.ProtocolVersion
        ($server | Format-Table | Out-String) | Should -Match ([regex]::Escape($server.ProtocolVersion))
        ($server | Format-List * | Out-String) | Should -Not -Match 'marked-value'
    }

    It 'shows stderr in -Verbose without control characters' {
        $verbose = Invoke-McpTool @local -Name complain -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $lines = $verbose.Message | Where-Object { $_ -like 'stderr:*' }
        $lines | Should -Contain 'stderr: complaint one'
        ($lines -join '') | Should -Not -Match '[\x00-\x1f]'
    }

    It 'starts a crashed server again on the next call, without sending the crashed call again' {
        $before = (Get-McpLocalServer).Starts
        $null = Invoke-McpTool @local -Name crash -ErrorVariable crashed -ErrorAction SilentlyContinue
        $crashed[0].FullyQualifiedErrorId | Should -BeLike 'McpConnectionLost,*'
        (Invoke-McpTool @local -Name ping).IsError | Should -BeFalse
        (Get-McpLocalServer).Starts | Should -Be ($before + 1)
    }

    It 'fails a message past the response size limit as over HTTP, and starts the server again on the next call' {
        $limit = (Get-AgwClientConfig).MaxResponseSizeMB
        Set-AgwClientConfig -MaxResponseSizeMB 1
        try {
            $null = Invoke-McpTool @local -Name ping
            $before = (Get-McpLocalServer).Starts
            $null = Invoke-McpTool @local -Name too-big -Arguments @{ megabytes = 2 } -ErrorVariable tooBig -ErrorAction SilentlyContinue
            $tooBig[0].FullyQualifiedErrorId | Should -BeLike 'McpResponseTooLarge,*'
            (Invoke-McpTool @local -Name too-big -Arguments @{ megabytes = 0.5 }).Text.Length | Should -Be 524288
            (Get-McpLocalServer).Starts | Should -Be ($before + 1)
        }
        finally {
            Set-AgwClientConfig -MaxResponseSizeMB $limit
        }
    }

    It 'imports and exports its tools: the commands start the same command line; no -Environment value is written' {
        $module = Import-McpTool @local -Name whoami -PassThru
        try {
            $function = (Get-Command -Module $module.Name).Name
            $function | Should -HaveCount 1
            # The imported command reaches the same process, with -Environment kept in the module's memory only.
            (& $function).Text | Should -Match 'AGW_STDIO_MARK=marked-value'
            @(Get-McpLocalServer).Count | Should -Be 1
            $module.Definition | Should -Not -Match 'marked-value'
            (Get-Help $function -Full | Out-String) | Should -Match 'Local server: dotnet'
        }
        finally {
            Remove-Module $module
        }

        $folder = Join-Path $TestDrive 'StdioTools'
        $files = @(Export-McpToolModule @local -Name whoami -Path $folder)
        $files | Should -HaveCount 2
        $text = (Get-ChildItem $folder -File | Get-Content -Raw) -join "`n"
        $text | Should -Not -Match 'marked-value'
        $text | Should -Match ([regex]::Escape("Command = 'dotnet'; ArgumentList = @('$dll', 'stdio')"))

        # The exported module starts the same command line in the calling session's environment (never the listing's -Environment).
        $env:AGW_STDIO_MARK = 'from-session'
        try {
            $exported = Import-Module (Join-Path $folder 'StdioTools.psd1') -PassThru
            (& "$($exported.Name)\$function").Text | Should -Match 'AGW_STDIO_MARK=from-session'
            @(Get-McpLocalServer).Count | Should -Be 2
        }
        finally {
            Remove-Item Env:AGW_STDIO_MARK
            Remove-Module StdioTools -ErrorAction SilentlyContinue
            Get-McpLocalServer | Where-Object { $_.EnvironmentNames.Count -eq 0 } | Stop-McpLocalServer
        }
    }

    It 'binds a prompt''s argument given as a parameter in the first command of a session, its server started for the listing; Tab starts none' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $ps.Runspace.SessionStateProxy.SetVariable('dll', $dll)
            $line = "Get-McpPromptMessage -Command dotnet -ArgumentList `$dll, stdio -Name plan-trip -n"
            $tab = { param($l) (TabExpansion2 -inputScript $l -cursorColumn $l.Length).CompletionMatches.CompletionText }
            @($ps.AddScript($tab).AddArgument($line).Invoke()) | Should -Not -Contain '-nights' -Because 'Tab never starts a local server'
            $ps.Commands.Clear()
            $ps.AddScript('Get-McpLocalServer').Invoke() | Should -BeNullOrEmpty
            $ps.Commands.Clear()
            $messages = $ps.AddScript('Get-McpPromptMessage -Command dotnet -ArgumentList $dll, stdio -Name plan-trip -destination Lyon -nights 2').Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $messages[0].Text | Should -Be 'Plan 2 nights in Lyon.'
            $ps.Commands.Clear()
            $ps.AddScript('(Get-McpLocalServer).Starts').Invoke() | Should -Be 1
            $ps.Commands.Clear()
            @($ps.AddScript($tab).AddArgument($line).Invoke()) | Should -Contain '-nights' -Because 'the running server was listed'
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'stops a server' {
        $null = Invoke-McpTool @local -Name ping
        Get-McpLocalServer | Stop-McpLocalServer
        Get-McpLocalServer | Should -BeNullOrEmpty
    }
}
