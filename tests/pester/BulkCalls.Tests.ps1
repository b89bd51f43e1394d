# Bulk calls end to end against the sandbox gateway: piped arguments (hashtables, objects, CSV rows) are one call
# each; Invoke-McpTool -ThrottleLimit keeps several in flight on the runspace's one token and pooled session, writes
# results in input order, and behaves once for the batch on a revoked token or a forgotten session; a failing item,
# -ErrorAction Stop and Stop() (Ctrl+C); functions of Import-McpTool take -ThrottleLimit the same way.
# Counts, not times: what the sandbox saw (token requests, initializes, connections, calls at once, cancellations).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'

    # Waits (a few seconds at most) until the sandbox counter reaches the value, and returns the stats then.
    function Wait-AgwSandboxCount([string] $Counter, [long] $AtLeast, [int] $Seconds = 5) {
        $deadline = [datetime]::UtcNow.AddSeconds($Seconds)
        while (($stats = Get-AgwSandboxStats $sb).$Counter -lt $AtLeast -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $stats
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Invoke-McpTool: piped arguments' {
    BeforeAll { Reset-AgwTestState }

    It 'still takes piped tools (Get-McpTool | Invoke-McpTool), with and without -ThrottleLimit' {
        $tools = @(Get-McpTool -OrdId $travel -Name echo, ping)
        @($tools | Invoke-McpTool -Arguments @{ message = 'piped tool' }).Text | Should -Be @('piped tool', 'pong from sandbox-travel')
        @($tools | Invoke-McpTool -Arguments @{ message = 'piped tool' } -ThrottleLimit 4).Text | Should -Be @('piped tool', 'pong from sandbox-travel')
    }

    It 'calls once per piped hashtable, ordered dictionary or PSCustomObject, each result carrying its arguments' {
        $inputs = @(
            @{ message = 'hashtable' }
            [ordered]@{ message = 'ordered' }
            [pscustomobject]@{ message = 'object' }
        )
        $results = @($inputs | Invoke-McpTool -Name echo -OrdId $travel)
        $results.Text | Should -Be @('hashtable', 'ordered', 'object')
        for ($i = 0; $i -lt 3; $i++) {
            [object]::ReferenceEquals($results[$i].Arguments, $inputs[$i]) | Should -BeTrue -Because 'the result carries the object it was called with'
        }
    }

    It 'takes Import-Csv rows as the arguments, with -Name alone too' {
        $csv = Join-Path $TestDrive 'queries.csv'
        Set-Content -LiteralPath $csv -Value 'query', 'acme', 'globex'
        $results = @(Import-Csv $csv | Invoke-McpTool -Name find-customer -ThrottleLimit 2)
        $results.Arguments.query | Should -Be @('acme', 'globex')
        @($results.StructuredContent | ForEach-Object count) | Should -Be @(2, 1)
    }

    It 'refuses a piped tool given with -Name, saying what to pipe' {
        $errors = $null
        $null = Get-McpTool -OrdId $travel -Name echo | Invoke-McpTool -Name echo -OrdId $travel -ErrorVariable errors -ErrorAction SilentlyContinue
        @($errors) | Should -HaveCount 1
        "$($errors[0])" | Should -Match 'pipe tools without -Name'
    }

    It 'stops reading input when a downstream Select-Object -First has enough' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $first = @(1..200 | ForEach-Object { @{ message = "s$_" } } | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit 8 | Select-Object -First 3)
        $first.Text | Should -Be @('s1', 's2', 's3')
        (Get-AgwSandboxStats $sb).toolsCall | Should -BeLessOrEqual 11 -Because 'at most the window (8) is started beyond the 3 taken'
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
    }

    It 'answers what each call of a batch asks (elicitation) through -ElicitationHandler' {
        $asked = [System.Collections.Generic.List[string]]::new()
        $results = @(1..4 | ForEach-Object { @{} } | Invoke-McpTool -Name book-trip -Uri $sb.servers.'sandbox-desk' -ThrottleLimit 4 -ErrorAction Stop -ElicitationHandler {
                param($request)
                $asked.Add($request.ServerName)
                @{ destination = 'Lisbon'; nights = 2 }
            })
        $results | Should -HaveCount 4
        foreach ($result in $results) { $result.Text | Should -BeLike 'accept *' }
        $asked | Should -Be @('sandbox-desk', 'sandbox-desk', 'sandbox-desk', 'sandbox-desk')
    }

    It '-WhatIf asks per item and calls nothing' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $ps = [powershell]::Create('CurrentRunspace')
        try {
            $null = $ps.AddScript("@{ message = 'w1' }, @{ message = 'w2' } | Invoke-McpTool -Name echo -OrdId '$travel' -ThrottleLimit 4 -WhatIf")
            $null = $ps.Invoke()
            # -WhatIf writes to the host; the calls are what matters.
        }
        finally { $ps.Dispose() }
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }
}

Describe 'Invoke-McpTool -ThrottleLimit: one token, one session, one connection' {
    BeforeAll {
        # A fresh runspace: a cold token cache, no MCP session and no connection yet.
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
        Invoke-AgwSandboxAdmin $sb reset-stats
        $results = @(Invoke-InRunspace $runspace "1..500 | ForEach-Object { @{ message = `"m`$_`" } } | Invoke-McpTool -Name echo -OrdId '$travel' -ThrottleLimit 16")
        $stats = Get-AgwSandboxStats $sb
        $seen = $stats | ConvertTo-Json -Compress -Depth 1
    }

    AfterAll {
        if ($runspace) { $runspace.Dispose() }
    }

    It 'writes 500 results in input order, each with the arguments it was called with' {
        $results | Should -HaveCount 500
        $results.Text | Should -Be @(1..500 | ForEach-Object { "m$_" })
        $results.Arguments.message | Should -Be @(1..500 | ForEach-Object { "m$_" })
    }

    It 'makes 1 token request, at most 1 initialize and at most 1 gateway connection' {
        $stats.toolsCall | Should -Be 500
        $stats.tokenRequests | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.initialize | Should -BeLessOrEqual 1 -Because "the sandbox saw $seen"
        $stats.gatewayTlsHandshakes | Should -BeLessOrEqual 1 -Because "HTTP/2 carries every call on one connection (the sandbox saw $seen)"
    }

    It 'never has more than 16 tools/call running at the server' {
        $stats.maxConcurrentToolsCalls | Should -BeGreaterThan 0
        $stats.maxConcurrentToolsCalls | Should -BeLessOrEqual 16 -Because "the sandbox saw $seen"
    }

    It 'runs calls at once up to the limit, and no more' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        # Tools that take a while: the 4 in flight overlap at the server.
        $slow = @(Invoke-InRunspace $runspace "1..12 | ForEach-Object { @{ seconds = 0.3 } } | Invoke-McpTool -Name slow -OrdId '$travel' -ThrottleLimit 4")
        $slow | Should -HaveCount 12
        $concurrent = (Get-AgwSandboxStats $sb).maxConcurrentToolsCalls
        $concurrent | Should -BeGreaterThan 1 -Because 'the calls run at once'
        $concurrent | Should -BeLessOrEqual 4
    }

    It 'writes one progress activity for the batch: done, of how many once all input is read, and failures' {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript("1..20 | ForEach-Object { @{ message = `"p`$_`" } } | Invoke-McpTool -Name echo -OrdId '$travel' -ThrottleLimit 4").Invoke()
            $progress = @($ps.Streams.Progress)
            $progress | Should -Not -BeNullOrEmpty
            @($progress.ActivityId | Sort-Object -Unique) | Should -HaveCount 1
            $progress[-1].RecordType | Should -Be 'Completed'
            $progress[-1].StatusDescription | Should -Be '20 of 20 done, 0 failed'
            $progress[-1].PercentComplete | Should -Be 100
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Invoke-McpTool -ThrottleLimit: faults mid-batch' {
    BeforeEach {
        Reset-AgwTestState
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'warm' }
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'a revocation renews the token once for every call in flight, each resent at most once' {
        $before = (Get-AgwTokenCache -Kind System).Fingerprint
        $results = @(1..200 | ForEach-Object {
                if ($_ -eq 100) { $null = Invoke-AgwSandboxAdmin $sb revoke }
                @{ message = "r$_" }
            } | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit 16)

        $stats = Get-AgwSandboxStats $sb
        $seen = $stats | ConvertTo-Json -Compress -Depth 1
        $results.Text | Should -Be @(1..200 | ForEach-Object { "r$_" })
        $stats.tokenRequests | Should -Be 1 -Because "one renewal serves every call that met the 401 (the sandbox saw $seen)"
        $stats.unauthorized401 | Should -BeGreaterOrEqual 1
        $stats.unauthorized401 | Should -BeLessOrEqual 16 -Because 'only calls in flight meet the revoked token, each once'
        $stats.toolsCall | Should -Be 200 -Because 'a refused call never reached the tool; no tool ran twice'
        (Get-AgwTokenCache -Kind System).Fingerprint | Should -Not -Be $before
    }

    It 'a forgotten session is initialized again once, and no call runs twice' {
        $results = @(1..200 | ForEach-Object {
                if ($_ -eq 100) { $null = Invoke-AgwSandboxAdmin $sb forget-sessions }
                @{ message = "f$_" }
            } | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit 16)

        $stats = Get-AgwSandboxStats $sb
        $seen = $stats | ConvertTo-Json -Compress -Depth 1
        $results.Text | Should -Be @(1..200 | ForEach-Object { "f$_" })
        $stats.initialize | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.sessionNotFound404 | Should -BeGreaterOrEqual 1
        $stats.toolsCall | Should -Be 200 -Because 'a call the server refused with 404 never ran; no tool ran twice'
        $stats.tokenRequests | Should -Be 0
    }

    It 'a failing item is a non-terminating error whose TargetObject is that input; the others succeed in order' {
        $bad = @{ message = 42 }
        $failing = @{ seconds = 700 }
        $errors = $null
        $results = @(
            @(@{ message = 'one' }, $bad, @{ message = 'three' }) | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit 4 -ErrorVariable errors -ErrorAction SilentlyContinue
        )
        $results.Text | Should -Be @('one', 'three')
        @($errors) | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
        [object]::ReferenceEquals($errors[0].TargetObject, $bad) | Should -BeTrue

        $errors = $null
        $results = @(@{ seconds = 0 }, $failing, @{ seconds = 0 } | Invoke-McpTool -Name slow -OrdId $travel -ThrottleLimit 4 -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results | Should -HaveCount 2
        @($errors) | Should -HaveCount 1 -Because 'the server refused it (a JSON-RPC error)'
        [object]::ReferenceEquals($errors[0].TargetObject, $failing) | Should -BeTrue
    }

    It '-ErrorAction Stop stops at the failure and cancels every call in flight, telling each server' {
        # The first call fails at the server at once; the three behind it would run 30 s. How many of them had
        # started when the failure was written depends on the machine's speed: every one that reached the server
        # (all but the failing one) must have been cancelled there, and none can have ended on its own.
        Invoke-AgwSandboxAdmin $sb reset-stats
        $inputs = @(@{ seconds = 700 }) + @(1..3 | ForEach-Object { @{ seconds = 30 } })
        { $inputs | Invoke-McpTool -Name slow -OrdId $travel -ThrottleLimit 4 -ErrorAction Stop } | Should -Throw -ErrorId 'McpProtocolError*'
        $started = (Get-AgwSandboxStats $sb).toolsCall
        $started | Should -BeGreaterOrEqual 1 -Because 'the failing call reached the server'
        $stats = Wait-AgwSandboxCount cancelledNotifications ($started - 1)
        $stats.cancelledNotifications | Should -Be ($stats.toolsCall - 1) -Because "each call in flight was cancelled and its server told ($($stats | ConvertTo-Json -Compress -Depth 1))"
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
    }
}

Describe 'Invoke-McpTool -ThrottleLimit: Stop() mid-batch' {
    BeforeAll {
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
    }

    AfterAll {
        if ($runspace) { $runspace.Dispose() }
    }

    It 'cancels every call in flight (each server told), reads no more input, and the runspace still works' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = Stop-AgwTestScriptWhenCalled -Sandbox $sb -Runspace $runspace -ToolsCalls 4 -Script "1..100 | ForEach-Object { @{ seconds = 30 } } | Invoke-McpTool -Name slow -OrdId '$travel' -ThrottleLimit 4"

        $stats = Wait-AgwSandboxCount cancelledNotifications 4
        $stats.cancelledNotifications | Should -Be 4 -Because 'each call in flight was cancelled and its server told'
        $stats.toolsCall | Should -Be 4 -Because 'no input is read while the window is full'
        (Invoke-InRunspace $runspace "Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'still here' }").Text |
            Should -Be 'still here'
    }
}

Describe 'Functions of Import-McpTool take -ThrottleLimit' {
    BeforeAll {
        Reset-AgwTestState
        $module = Import-McpTool -OrdId $travel -Name echo, add, slow -Prefix Bulk -PassThru
    }

    AfterAll {
        if ($module) { Remove-Module $module -Force }
    }

    It 'has the parameter, validated like the cmdlet''s' {
        (Get-Command Invoke-BulkEcho).Parameters['ThrottleLimit'].ParameterType | Should -Be ([int])
        { 'x' | Invoke-BulkEcho -ThrottleLimit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'runs piped rows through one Invoke-McpTool: results in input order on one session, at most that many at once' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $rows = 1..100 | ForEach-Object { [pscustomobject]@{ a = "$_"; b = '1' } }   # CSV-like text, typed by the function
        $results = @($rows | Invoke-BulkAdd -ThrottleLimit 8)
        $stats = Get-AgwSandboxStats $sb
        $results.Text | Should -Be @(1..100 | ForEach-Object { "$($_ + 1)" })
        $results[0].Arguments['a'] | Should -Be 1
        $stats.toolsCall | Should -Be 100
        $stats.initialize | Should -BeLessOrEqual 1
        $stats.maxConcurrentToolsCalls | Should -BeLessOrEqual 8
    }

    It 'a failing row is an error, the others go on; -WhatIf calls nothing' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = @([pscustomobject]@{ message = 'w' }, [pscustomobject]@{ message = 'v' }) | Invoke-BulkEcho -ThrottleLimit 4 -WhatIf
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0

        $errors = $null
        $results = @([pscustomobject]@{ seconds = 0 }, [pscustomobject]@{ seconds = 700 }, [pscustomobject]@{ seconds = 0 } |
                Invoke-BulkSlow -ThrottleLimit 4 -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results | Should -HaveCount 2
        @($errors) | Should -HaveCount 1 -Because 'the server refused seconds = 700'
        $errors[0].TargetObject['seconds'] | Should -Be 700 -Because 'the error names the arguments of its call'
    }

    It 'runs the batch in the function''s own scope: -Verbose shows the calls'' lines, as without -ThrottleLimit' {
        # A batch made in a shared step of the module ran in a scope already gone: no preference of the function reached it.
        $rows = @([pscustomobject]@{ message = 'w' }, [pscustomobject]@{ message = 'v' })
        $lines = @($rows | Invoke-BulkEcho -ThrottleLimit 4 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $lines.Message | Where-Object { $_ -like '*echo*' } | Should -Not -BeNullOrEmpty -Because 'Invoke-McpTool writes a verbose line per call'
    }

    It 'without -ThrottleLimit calls one after the other as before' {
        @('x', 'y' | ForEach-Object { [pscustomobject]@{ message = $_ } } | Invoke-BulkEcho).Text | Should -Be @('x', 'y')
    }
}
