BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'One engine session per runspace' {
    It 'keeps the config of two runspaces apart' {
        $a = New-AgwTestRunspace
        $b = New-AgwTestRunspace
        try {
            Invoke-InRunspace $a 'Set-AgwClientConfig -TimeoutSec 11'
            Invoke-InRunspace $b 'Set-AgwClientConfig -TimeoutSec 22 -MaxUserTokenCacheSize 2'
            (Invoke-InRunspace $a 'Get-AgwClientConfig').Timeout | Should -Be ([timespan]::FromSeconds(11))
            (Invoke-InRunspace $a 'Get-AgwClientConfig').MaxUserTokenCacheSize | Should -Be 10
            (Invoke-InRunspace $b 'Get-AgwClientConfig').Timeout | Should -Be ([timespan]::FromSeconds(22))
            (Invoke-InRunspace $b 'Get-AgwClientConfig').MaxUserTokenCacheSize | Should -Be 2
        }
        finally {
            $a.Dispose()
            $b.Dispose()
        }
    }

    It 'shares one session among the cmdlets of a runspace' {
        Set-AgwClientConfig -TimeoutSec 13
        (Get-AgwClientConfig).Timeout | Should -Be ([timespan]::FromSeconds(13))
        Set-AgwClientConfig -Reset
    }

    It 'releases the session of every closed runspace (200 opened, used and closed)' {
        Get-AgwClientConfig | Out-Null  # this runspace's own session exists before counting
        $session = Get-AgwEngineType 'AgentGateway.Engine.Runspace.RunspaceState'
        $before = $session::LiveCount
        $iss = [initialsessionstate]::CreateDefault2()
        $iss.ImportPSModule($ModuleManifest)
        for ($i = 0; $i -lt 200; $i++) {
            $runspace = [runspacefactory]::CreateRunspace($iss)
            $runspace.Open()
            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Set-AgwClientConfig -TimeoutSec $($i + 1); Get-AgwClientConfig").Invoke()
            $ps.Dispose()
            if ($i -eq 0) {
                $session::LiveCount | Should -Be ($before + 1)
            }
            $runspace.Dispose()
        }
        $session::LiveCount | Should -Be $before
    }
}

Describe 'A config set in one runspace only, named where it bites' {
    BeforeAll {
        # The parent trusts the sandbox CA (Set-AgwClientConfig -TrustedCaPath); SERVICE_BINDING_ROOT, a process
        # variable, reaches every runspace, so a child finds the credentials but not the CA.
        $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
        $travel = 'sap.sandbox:mcpServer:travel:v1'
    }

    AfterAll {
        Disconnect-AgwTestSandbox $sb
    }

    It 'a TLS failure under ForEach-Object -Parallel, whose config is the default, says the config belongs to each runspace' {
        $err = 1 | ForEach-Object -Parallel {
            Import-Module $using:ModuleManifest
            try { Invoke-McpTool -Name echo -OrdId $using:travel -Arguments @{ message = 'x' } -ErrorAction Stop } catch { $_ }
        }
        $err | Should -BeOfType [System.Management.Automation.ErrorRecord]
        $err.FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'config belongs to each runspace'
        $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape('ForEach-Object -Parallel { Set-AgwClientConfig -TrustedCaPath $using:'))
        $err.ErrorDetails.RecommendedAction | Should -Match 'Trust the token service''s CA' -Because 'the usual advice stays'
    }

    It 'the idiom it shows works: the CA set in each runspace with $using:' {
        $caPath = (Get-AgwClientConfig).TrustedCaPath
        $results = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:ModuleManifest
            Set-AgwClientConfig -TrustedCaPath $using:caPath
            Invoke-McpTool -Name echo -OrdId $using:travel -Arguments @{ message = "row $_" } -ErrorAction Stop
        } -ThrottleLimit 2
        $results.Text | Sort-Object | Should -Be @('row 1', 'row 2')
    }

    It 'a runspace whose config is not the default gets the usual advice only' {
        $err = 1 | ForEach-Object -Parallel {
            Import-Module $using:ModuleManifest
            Set-AgwClientConfig -TimeoutSec 30
            try { Invoke-McpTool -Name echo -OrdId $using:travel -Arguments @{ message = 'x' } -ErrorAction Stop } catch { $_ }
        }
        $err.FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $err.ErrorDetails.RecommendedAction | Should -Not -Match 'each runspace'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Trust the token service''s CA'
    }

    It 'credentials not found in a runspace whose config is the default say so too' {
        $saved = $env:SERVICE_BINDING_ROOT
        $env:SERVICE_BINDING_ROOT = Join-Path $TestDrive 'no-bindings'
        try {
            $err = 1 | ForEach-Object -Parallel {
                Import-Module $using:ModuleManifest
                try { Get-AgwAccessToken -ErrorAction Stop } catch { $_ }
            }
        }
        finally {
            $env:SERVICE_BINDING_ROOT = $saved
        }
        $err.FullyQualifiedErrorId | Should -BeLike 'CredentialsNotFound,*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'config belongs to each runspace'
        $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape('Set-AgwClientConfig -CredentialPath $using:'))
    }
}
