# Invoke-McpTool end to end against the sandbox gateway: addressing a tool, arguments, results and errors, -WhatIf
# and -UserToken, a refused token request, token and session reuse, 401 and lost sessions, cancellation and
# progress, and its verbose and debug lines. (Reset-AgwTestState, Common.ps1, makes the counts below independent of
# test order.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'
    $tenant = $sb.dependencies[0].globalTenantId
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Invoke-McpTool -Name without -OrdId or -Uri' {
    BeforeEach {
        # A runspace of its own: no listing kept yet, so each test sees what a first call does.
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
        Invoke-AgwSandboxAdmin $sb reset-stats
        # The ErrorRecord of a failing call in that runspace.
        function Get-CallError([string] $Call) { Invoke-InRunspace $runspace "try { $Call -ErrorAction Stop } catch { `$_ }" }
    }

    AfterEach {
        $runspace.Dispose()
    }

    It 'calls the one dependency that has the tool, listing the dependencies once' {
        $result = Invoke-InRunspace $runspace "Invoke-McpTool -Name echo -Arguments @{ message = 'found alone' }"
        $result.Text | Should -Be 'found alone'
        $result.OrdId | Should -Be $travel
        (Invoke-InRunspace $runspace "Invoke-McpTool echo @{ message = 'again' }").Text | Should -Be 'again'
        $stats = Get-AgwSandboxStats $sb
        $stats.toolsList | Should -Be 5 -Because 'travel, crm and catalog (3 pages) were listed once, not again for the second call'
        $stats.toolsCall | Should -Be 2
    }

    It 'answers from the listing Get-McpTool made' {
        $null = Invoke-InRunspace $runspace 'Get-McpTool -ErrorAction SilentlyContinue'
        Invoke-AgwSandboxAdmin $sb reset-stats
        (Invoke-InRunspace $runspace 'Invoke-McpTool -Name add -Arguments @{ a = 2; b = 3 }').Text | Should -Match '5'
        (Get-AgwSandboxStats $sb).toolsList | Should -Be 0
    }

    It 'a name on several dependencies is McpToolAmbiguous naming them; nothing is called' {
        $err = Get-CallError 'Invoke-McpTool -Name ping'
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolAmbiguous,*'
        "$err" | Should -Match ([regex]::Escape($travel))
        "$err" | Should -Match ([regex]::Escape($crm))
        $err.ErrorDetails.RecommendedAction | Should -Match '-OrdId'
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }

    It 'an unknown name is McpToolNotFound with the closest names, before any tools/call' {
        $err = Get-CallError 'Invoke-McpTool -Name get-wether'
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'get-wether'
        "$err" | Should -Match "Did you mean 'get-weather'\?"
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }

    It 'an unknown name with -OrdId is McpToolNotFound too, not the server''s JSON-RPC error' {
        $err = Get-CallError "Invoke-McpTool -Name Echo -OrdId '$travel' -Arguments @{ message = 'x' }"
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolNotFound,*'
        "$err" | Should -Match "Did you mean 'echo'\?"
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }
}

Describe 'Invoke-McpTool: addressing the tool' {
    It 'takes tools from the pipeline' {
        $result = Get-McpTool -OrdId $travel -Name echo | Invoke-McpTool -Arguments @{ message = 'from the pipeline' }
        $result.Text | Should -Be 'from the pipeline'
        $result.Tool | Should -Be 'echo'
        $result.OrdId | Should -Be $travel
    }

    It 'calls each piped tool on its own server (same tool name on two servers)' {
        $results = @(Get-McpTool -Name ping -OrdId $travel, $crm | Invoke-McpTool)
        $results.Text | Sort-Object | Should -Be @('pong from sandbox-crm', 'pong from sandbox-travel')
    }

    It 'finds a tool by -Name and -OrdId' {
        (Invoke-McpTool -Name ping -OrdId $crm).Text | Should -Be 'pong from sandbox-crm'
        (Invoke-McpTool echo -OrdId $travel @{ message = 'positional' }).Text | Should -Be 'positional'
    }

    It 'finds a tool by -Name and -Uri on the gateway' {
        $uri = "$($sb.gatewayUrl)/v1/mcp/$([uri]::EscapeDataString($travel))/$tenant"
        $result = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'by uri' }
        $result.Text | Should -Be 'by uri'
        $result.Server | Should -Be 'sandbox-travel'
    }

    It '-OrdId naming no dependency is an error naming it' {
        $errs = $null
        Invoke-McpTool -Name echo -OrdId 'sap.sandbox:mcpServer:nowhere:v1' -Arguments @{ message = 'x' } -ErrorVariable errs -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].TargetObject | Should -Be 'sap.sandbox:mcpServer:nowhere:v1'
    }

    It 'suggests the name whose two adjacent letters were swapped (ecoh: echo)' {
        $err = { Invoke-McpTool -Name ecoh -OrdId $travel -Arguments @{ message = 'x' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'McpToolNotFound*' -PassThru
        "$err" | Should -Match "Did you mean 'echo'\?"
    }

    It 'refuses arguments that are not a dictionary or an object' {
        { Invoke-McpTool -Name echo -OrdId $travel -Arguments 42 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
    }
}

Describe 'Invoke-McpTool: arguments reach the server as written' {
    It 'takes a hashtable' {
        (Invoke-McpTool -Name add -OrdId $travel -Arguments @{ a = 2; b = 3.5 }).Text | Should -Be '5.5'
    }

    It 'takes an ordered dictionary and keeps its order' {
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel -Arguments ([ordered]@{ tags = @('z'); name = 'n'; count = 1 })
        $result.StructuredContent.arguments.PSObject.Properties.Name | Should -Be @('tags', 'name', 'count')
    }

    It 'takes a PSCustomObject' {
        (Invoke-McpTool -Name add -OrdId $travel -Arguments ([pscustomobject]@{ a = 40; b = 2 })).Text | Should -Be '42'
    }

    It 'sends nested objects, arrays, booleans, dates, enums and nulls as JSON of the right kind' {
        $when = [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [timespan]::FromHours(2))
        $utc = [datetime]::new(2026, 3, 4, 5, 6, 7, [DateTimeKind]::Utc)
        $arguments = @{
            name     = 'Zoë & <co>'
            count    = 3
            flag     = $false
            priority = [System.Diagnostics.ProcessPriorityClass]::High
            when     = $when
            tags     = @('only')
            address  = [pscustomobject]@{ street = 'Dietmar-Hopp-Allee 16'; city = 'Walldorf'; coordinates = @(49.29, 8.64); primary = $true }
            extra    = [ordered]@{ utc = $utc; none = $null; empty = @(); nested = @(1, @{ deep = @{ deeper = 'yes' } }) }
        }
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel -Arguments $arguments
        $got = $result.StructuredContent.arguments
        $kinds = $result.StructuredContent.kinds

        $got.name | Should -BeExactly 'Zoë & <co>'
        $got.count | Should -Be 3
        $kinds.count | Should -Be 'Number'
        $kinds.flag | Should -Be 'False'
        $got.priority | Should -Be 'High'
        $kinds.priority | Should -Be 'String'
        [DateTimeOffset]::Parse($got.when, [cultureinfo]::InvariantCulture) | Should -Be $when
        $kinds.when | Should -Be 'String'
        $kinds.tags | Should -Be 'Array' -Because 'a one-element array stays an array'
        @($got.tags) | Should -Be @('only')
        $kinds.address | Should -Be 'Object'
        $got.address.street | Should -Be 'Dietmar-Hopp-Allee 16'
        $got.address.coordinates | Should -Be @(49.29, 8.64)
        $got.address.primary | Should -BeTrue
        [DateTimeOffset]::Parse($got.extra.utc, [cultureinfo]::InvariantCulture).UtcDateTime | Should -Be $utc
        $got.extra.PSObject.Properties.Name | Should -Contain 'none'
        $got.extra.none | Should -BeNullOrEmpty
        @($got.extra.empty) | Should -HaveCount 0
        $got.extra.nested[0] | Should -Be 1
        $got.extra.nested[1].deep.deeper | Should -Be 'yes'
        ($result.Text | ConvertFrom-Json).address.city | Should -Be 'Walldorf'
    }

    It 'sends no arguments as an empty object' {
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel
        @($result.StructuredContent.arguments.PSObject.Properties) | Should -HaveCount 0
    }
}

Describe 'Invoke-McpTool: results' {
    It 'has Text, Content, Raw, Duration and the server it ran on' {
        $result = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'hello' }
        $result.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpToolResult'
        $result.Text | Should -Be 'hello'
        $result.IsError | Should -BeFalse
        @($result.Content) | Should -HaveCount 1
        $result.Content[0].Type | Should -Be 'text'
        $result.Content[0].Text | Should -Be 'hello'
        ($result.Raw | ConvertFrom-Json).content[0].text | Should -Be 'hello'
        $result.Duration | Should -BeGreaterThan ([timespan]::Zero)
        $result.Server | Should -Be 'sandbox-travel'
        $result.Url.AbsoluteUri | Should -BeLike "$($sb.gatewayUrl)/v1/mcp/*"
        "$result" | Should -Be 'hello'
    }

    It 'gives structured content as an object' {
        $result = Invoke-McpTool -Name get-weather -OrdId $travel -Arguments @{ city = 'Walldorf' }
        $result.StructuredContent | Should -BeOfType [pscustomobject]
        $result.StructuredContent.city | Should -Be 'Walldorf'
        $result.StructuredContent.temperatureC | Should -Be 21.5
        $result.StructuredContent.notes | Should -Be @('no rain', 'light wind')

        $customers = Invoke-McpTool -Name find-customer -OrdId $crm -Arguments @{ query = 'acme' }
        $customers.StructuredContent.count | Should -Be 2
        $customers.StructuredContent.customers.id | Should -Be @('C-1001', 'C-1003')
    }

    It 'keeps an image block with its MIME type and bytes' {
        $result = Invoke-McpTool -Name get-logo -OrdId $crm
        $image = $result.Content | Where-Object Type -EQ 'image'
        $image | Should -HaveCount 1
        $image.MimeType | Should -Be 'image/png'
        $bytes = $image.GetBytes()
        $bytes[0..3] | Should -Be @(0x89, 0x50, 0x4E, 0x47)
    }

    It 'keeps text, resource link and embedded resource blocks of a mixed result' {
        $result = Invoke-McpTool -Name mixed-content -OrdId $crm
        $result.Content.Type | Should -Be @('text', 'resource_link', 'resource')
        $result.Content[1].Uri | Should -Be 'sandbox://crm/customers/C-1001'
        $result.Content[1].Title | Should -Be 'ACME Corporation'
        ($result.Content[2].Text | ConvertFrom-Json).id | Should -Be @('O-1', 'O-2')
        $result.Text | Should -Be 'Customer C-1001 has 2 open orders.'
    }

    It 'turns isError into a non-terminating McpToolError that carries the result' {
        $errs = $null
        $out = Invoke-McpTool -Name report-error -OrdId $crm -Arguments @{ reason = 'no stock' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpToolError,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $errs[0].TargetObject.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpToolResult'
        $errs[0].TargetObject.IsError | Should -BeTrue
        $errs[0].TargetObject.Text | Should -Be 'Tool failed: no stock'
        "$($errs[0])" | Should -Match 'no stock'
    }

    It 'continues after an isError result, and throws under -ErrorAction Stop' {
        $after = & { Invoke-McpTool -Name report-error -OrdId $crm -ErrorAction SilentlyContinue; 'next statement ran' }
        $after | Should -Be 'next statement ran'
        { Invoke-McpTool -Name report-error -OrdId $crm -ErrorAction Stop } | Should -Throw -ErrorId 'McpToolError*'
    }

    It 'turns a JSON-RPC error into an McpProtocolError carrying the code' {
        $errs = $null
        Invoke-McpTool -Name throw-error -OrdId $crm -Arguments @{ code = -32001 } -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpProtocolError,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ProtocolError'
        $errs[0].Exception.RpcErrorCode | Should -Be -32001
        "$($errs[0])" | Should -Match '-32001'
        "$($errs[0])" | Should -Match 'The sandbox refuses this call'
    }
}

Describe 'Invoke-McpTool: -WhatIf and -UserToken' {
    BeforeEach { Reset-AgwTestState }

    It '-WhatIf sends nothing' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'warm up' }
        Invoke-AgwSandboxAdmin $sb reset-stats
        Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'not sent' } -WhatIf | Should -BeNullOrEmpty
        $stats = Get-AgwSandboxStats $sb
        $stats.toolsCall | Should -Be 0
        $stats.mcpRequests | Should -Be 0
    }

    It '-UserToken exchanges the user JWT once and the call succeeds' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'carol'
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'as carol' } -UserToken $jwt).Text | Should -Be 'as carol'
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'again' } -UserToken $jwt).Text | Should -Be 'again'
        $stats = Get-AgwSandboxStats $sb
        $stats.jwtBearer | Should -Be 1
        $stats.clientCredentials | Should -Be 0 -Because 'no system token is needed for a user call'
        $stats.toolsCall | Should -Be 2
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 1
    }

    It 'lists with the user token too' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'dave'
        @(Get-McpTool -OrdId $travel -UserToken $jwt) | Should -HaveCount 6
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1
    }
}

Describe 'Invoke-McpTool when the token service refuses' {
    BeforeEach { Reset-AgwTestState }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 0 }
    }

    It 'reports a refused token request as TokenRequestFailed, not as an MCP protocol error' {
        $jwt = New-AgwSandboxUserJwt $sb
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_grant' }
        $err = { Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'x' } -UserToken $jwt -ErrorAction Stop } |
            Should -Throw -PassThru
        (Get-AgwSandboxStats $sb).mcpRequests | Should -Be 0 -Because 'no MCP request was sent without a token'
        $err.FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Match 'invalid_grant'
    }
}

Describe 'Invoke-McpTool: tokens and sessions are reused' {
    BeforeEach { Reset-AgwTestState }

    It 'makes exactly 1 initialize and 1 token request over 200 sequential calls' {
        for ($i = 0; $i -lt 200; $i++) {
            $result = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = "call $i" }
            if ($result.Text -ne "call $i") { throw "call $i answered '$($result.Text)'" }
        }
        $stats = Get-AgwSandboxStats $sb
        $seen = $stats | ConvertTo-Json -Compress
        $stats.toolsCall | Should -Be 200
        $stats.initialize | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.tokenRequests | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.clientCredentials | Should -Be 1
        $stats.unauthorized401 | Should -Be 0
    }

    It 'after a revocation, renews the token once (one 401, one token request) and the call succeeds' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'before' }
        $before = Get-AgwAccessToken
        Invoke-AgwSandboxAdmin $sb revoke
        Invoke-AgwSandboxAdmin $sb reset-stats

        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
        $stats = Get-AgwSandboxStats $sb
        $stats.unauthorized401 | Should -Be 1
        $stats.tokenRequests | Should -Be 1
        $stats.clientCredentials | Should -Be 1
        (Get-AgwAccessToken).Fingerprint | Should -Not -Be $before.Fingerprint
        (Get-AgwTokenCache -Statistics).Invalidations | Should -BeGreaterOrEqual 1

        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'later' }
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 1 -Because 'the renewed token is cached'
    }

    It 'after a revocation, listing renews the token once too' {
        $null = Get-McpTool -OrdId $travel
        Invoke-AgwSandboxAdmin $sb revoke
        Invoke-AgwSandboxAdmin $sb reset-stats
        @(Get-McpTool -OrdId $travel -ErrorAction Stop) | Should -HaveCount 6
        $stats = Get-AgwSandboxStats $sb
        $stats.tokenRequests | Should -Be 1
        $stats.unauthorized401 | Should -Be 1
    }

    It 'when the server forgets the session, starts exactly one new session and the call succeeds' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'before' }
        Invoke-AgwSandboxAdmin $sb forget-sessions
        Invoke-AgwSandboxAdmin $sb reset-stats

        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
        $stats = Get-AgwSandboxStats $sb
        $stats.initialize | Should -Be 1
        $stats.tokenRequests | Should -Be 0

        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'later' }
        (Get-AgwSandboxStats $sb).initialize | Should -Be 1
    }
}

Describe 'Invoke-McpTool in another runspace: cancellation and progress' {
    BeforeAll {
        $runspace = New-AgwTestRunspace
        # The binding root is process-wide (an environment variable); the config is per runspace.
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
    }

    AfterAll {
        if ($runspace) { $runspace.Dispose() }
    }

    It 'stops a long call within a few seconds, tells the server, and the runspace still works afterwards' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = Stop-AgwTestScriptWhenCalled -Sandbox $sb -Runspace $runspace -Script "Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 30 }"

        # The notifications/cancelled goes out in the background; give it a few seconds.
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ((Get-AgwSandboxStats $sb).cancelledNotifications -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Get-AgwSandboxStats $sb).cancelledNotifications | Should -Be 1
        (Invoke-InRunspace $runspace "Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'still here' }").Text |
            Should -Be 'still here'
    }

    It 'stops on -TimeoutSec with an McpTimeout error' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $err = { Invoke-McpTool -Name slow -OrdId $travel -Arguments @{ seconds = 30 } -TimeoutSec 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'McpTimeout*' -PassThru
        "$err" | Should -Not -Match 'Set-AgwClientConfig|-TimeoutSec' -Because 'the engine says what happened'
        $err.ErrorDetails.RecommendedAction | Should -Match '-TimeoutSec' -Because 'what to type comes from the cmdlet layer'
        $watch.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(10))
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'fine' }).Text | Should -Be 'fine'
    }

    It 'writes progress records while a slow tool runs' {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $result = $ps.AddScript("Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 1.5 }").Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result[0].Text | Should -Be 'waited 1.5s'
            $progress = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
            $progress.Count | Should -BeGreaterOrEqual 2
            foreach ($record in $progress) {
                $record.Activity | Should -Match 'slow'
                $record.PercentComplete | Should -BeIn (0..100)
            }
            @($progress.StatusDescription -match '\ds of 1\.5s') | Should -Not -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'writes progress records that keep the state they were written with (the progress advances)' {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 1.5 }").Invoke()
            $progress = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
            $distinct = @($progress.StatusDescription | Sort-Object -Unique)
            $distinct.Count | Should -BeGreaterOrEqual 2 -Because "the server reported several steps (got: $($progress.StatusDescription -join ' | '))"
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Verbose and debug lines follow the switch, else the preference' {
    BeforeAll {
        $call = "Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'quiet' }"
        function Get-VerboseLines([string] $Prologue, [string] $Switches) {
            $ps = [powershell]::Create()
            try {
                $ps.Runspace = $runspace
                $null = $ps.AddScript("$Prologue; $call $Switches").Invoke()
                [pscustomobject]@{ Verbose = @($ps.Streams.Verbose); Debug = @($ps.Streams.Debug) }
            }
            finally { $ps.Dispose() }
        }
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; $call" | Out-Null
    }

    AfterAll {
        $runspace.Dispose()
    }

    It 'shows nothing by default' {
        $lines = Get-VerboseLines '$VerbosePreference = ''SilentlyContinue''' ''
        $lines.Verbose | Should -BeNullOrEmpty
        $lines.Debug | Should -BeNullOrEmpty
    }

    It 'tells the story under $VerbosePreference = Continue' {
        ((Get-VerboseLines '$VerbosePreference = ''Continue''' '').Verbose.Message -join "`n") | Should -Match "Tool 'echo' on 'sandbox-travel' succeeded"
    }

    It '-Verbose:$false wins over the preference' {
        (Get-VerboseLines '$VerbosePreference = ''Continue''' '-Verbose:$false').Verbose | Should -BeNullOrEmpty
    }

    It '-Debug adds HTTP status lines without verbose ones' {
        $lines = Get-VerboseLines '$VerbosePreference = ''SilentlyContinue''' '-Debug'
        ($lines.Debug.Message -join "`n") | Should -Match 'HTTP POST \S+ -> 200 OK \(HTTP/2\.0\)' -Because 'the gateway offers HTTP/2, so calls share one connection'
        $lines.Verbose | Should -BeNullOrEmpty
    }
}
