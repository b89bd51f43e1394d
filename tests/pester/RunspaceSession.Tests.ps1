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
        $session = Get-AgwEngineType 'AgentGateway.Engine.Sessions.AgwSession'
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
