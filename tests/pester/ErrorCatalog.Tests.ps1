# docs/errors.md and the ErrorIds the module raises (AgentGateway.Infrastructure.ErrorIds) stay together.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:ErrorIds = [AgentGateway.Infrastructure.ErrorIds].GetFields() | ForEach-Object { @{ ErrorId = $_.GetValue($null) } }
}

BeforeAll {
    $catalog = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/errors.md')
    $rows = [regex]::Matches($catalog, '(?m)^\| `(\w+)` \|').ForEach({ $_.Groups[1].Value })
}

Describe 'The error catalogue' {
    It 'lists <ErrorId>, with when it happens and what to do' -ForEach $ErrorIds {
        $ErrorId | Should -BeIn $rows
        $row = [regex]::Match($catalog, "(?m)^\| ``$ErrorId`` \|.*$").Value
        ($row -split '\|' | Where-Object { $_.Trim() }).Count | Should -Be 5 -Because 'every row fills id, category, raised by, when and what to do'
    }

    It 'lists no ErrorId the module cannot raise' {
        $known = [AgentGateway.Infrastructure.ErrorIds].GetFields().ForEach({ $_.GetValue($null) })
        $rows | Where-Object { $_ -notin $known } | Should -BeNullOrEmpty
    }
}
