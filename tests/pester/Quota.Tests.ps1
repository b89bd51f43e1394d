# A gateway quota in bulk: the sandbox answers 429 with Retry-After: 1 past its quota of MCP requests a second; a
# -ThrottleLimit batch waits it out and slows down as a whole: every row gets its result, no error, and the server
# runs each call once (counted there). The rate against the quota is measured by bench/Measure-QuotaRate.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
}

AfterAll {
    Invoke-AgwSandboxAdmin $sb quota -Query @{ perSecond = 0 }
    Disconnect-AgwTestSandbox $sb
}

Describe 'Invoke-McpTool -ThrottleLimit against a quota' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'warm' }
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb quota -Query @{ perSecond = 0 }
    }

    It 'ends with a result for every row, no error, and each call run once on the server' {
        # Below what even a loaded machine's batch reaches, so that the quota pushes back (the 200/s figure: the bench).
        Invoke-AgwSandboxAdmin $sb quota -Query @{ perSecond = 50 }
        $rows = 1..150 | ForEach-Object { @{ message = "row $_" } }
        $results = $rows | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit 32 -ErrorVariable failures -Verbose 4>&1
        $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $results = @($results | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })

        $failures | Should -HaveCount 0
        $results | Should -HaveCount 150
        $results.Text | Should -Be ($rows | ForEach-Object message) -Because 'the results come in input order, one each'
        $stats = Get-AgwSandboxStats $sb
        $stats.toolsCall | Should -Be 150 -Because 'a call refused with 429 was not run, and none ran twice'
        $stats.quotaRejected429 | Should -BeGreaterThan 0 -Because 'the quota pushed back'
        ($verbose.Message -match 'throttling \(HTTP 429\), Retry-After 1 s; waiting') | Should -Not -BeNullOrEmpty
    }

    It 'shows the throttling in its progress' {
        Invoke-AgwSandboxAdmin $sb quota -Query @{ perSecond = 40 }
        $runspace = New-AgwTestRunspace
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; 1..100 | ForEach-Object { @{ message = `"p`$_`" } } | Invoke-McpTool -Name echo -OrdId '$travel' -ThrottleLimit 16")
            $output = $ps.Invoke()
            $ps.Streams.Error | Should -HaveCount 0
            $output | Should -HaveCount 100
            ($ps.Streams.Progress.StatusDescription -match 'throttled by the server: at most \d+ in flight') | Should -Not -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}
