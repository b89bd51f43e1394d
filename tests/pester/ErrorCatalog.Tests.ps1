# docs/errors.md, the ErrorIds the module raises (AgentGateway.Infrastructure.ErrorIds), the shipped topic
# about_AgentGateway_Errors and the ErrorIds in each cmdlet's help stay together.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:ErrorIds = [AgentGateway.Infrastructure.ErrorIds].GetFields() | ForEach-Object { @{ ErrorId = $_.GetValue($null) } }
    $script:Cmdlets = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot '../../build/ErrorCatalog.ps1')
    Import-Module $ModuleManifest -Force
    $cmdletNames = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport
    $catalog = @(Read-AgwErrorCatalog -Path (Join-Path $PSScriptRoot '../../docs/errors.md') -CmdletName $cmdletNames)
    $rows = $catalog.ErrorId
    $known = [AgentGateway.Infrastructure.ErrorIds].GetFields().ForEach({ $_.GetValue($null) })
    $squash = { param([string] $s) ($s -replace '\s+', ' ').Trim() }
    $topic = & $squash (Get-Help about_AgentGateway_Errors | Out-String)
}

Describe 'The error catalogue' {
    It 'lists <ErrorId>, with when it happens and what to do' -ForEach $ErrorIds {
        $ErrorId | Should -BeIn $rows
        ($catalog | Where-Object ErrorId -EQ $ErrorId).Cells | Should -Be 5 -Because 'every row fills id, category, raised by, when and what to do'
    }

    It 'lists no ErrorId the module cannot raise' {
        $rows | Where-Object { $_ -notin $known } | Should -BeNullOrEmpty
    }

    It 'gives <ErrorId> a recommended action in the one catalogue of actions (ErrorRecords)' -ForEach $ErrorIds {
        $actions = [AgentGateway.Infrastructure.ErrorIds].Assembly.GetType('AgentGateway.Infrastructure.ErrorRecords').
            GetProperty('Actions', [System.Reflection.BindingFlags]'NonPublic, Static').GetValue($null)
        $actions[$ErrorId] | Should -Not -BeNullOrEmpty
        # Keys are ErrorIds, or 'ErrorId/cause' for advice of one cause: none names an ErrorId the module lacks.
        @($actions.Keys | ForEach-Object { ($_ -split '/')[0] } | Where-Object { $_ -notin $known }) | Should -BeNullOrEmpty
    }

    It 'names, for every ErrorId, the cmdlets that raise it (or any)' {
        $catalog | Where-Object { -not $_.Cmdlets } | ForEach-Object ErrorId | Should -BeNullOrEmpty
    }
}

Describe 'about_AgentGateway_Errors, shipped in the module' {
    It 'is help of the module, not a file of the repository' {
        $help = Get-Help about_AgentGateway_Errors
        "$($help.Name)" | Should -Be 'about_AgentGateway_Errors'
        Test-Path (Join-Path $ModulePath 'en-US/about_AgentGateway_Errors.help.txt') | Should -BeTrue
    }

    It 'lists <ErrorId> with the catalogue''s category, cause and remedy' -ForEach $ErrorIds {
        $entry = $catalog | Where-Object ErrorId -EQ $ErrorId
        $topic | Should -Match ([regex]::Escape((& $squash "$ErrorId Category: $($entry.Category) Raised by: $($entry.RaisedBy) When: $($entry.When) What to do: $($entry.WhatToDo)")))
    }
}

Describe 'The ErrorIds in the help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $notes = & $squash ((Get-Help $Name -Full).alertSet | Out-String)
        $expected = @($catalog | Where-Object { $Name -in $_.Cmdlets } | ForEach-Object ErrorId)
    }

    It 'are the ones the catalogue says it raises, each with its cause' {
        $expected | Should -Not -BeNullOrEmpty
        foreach ($id in $expected) {
            $entry = $catalog | Where-Object ErrorId -EQ $id
            $notes | Should -Match ([regex]::Escape((& $squash "$id ($($entry.Category)): $($entry.When)."))) -Because "$Name raises $id"
        }
        $listed = [regex]::Matches($notes, '(\w+) \([\w, /()0-9]+?\): ').ForEach({ $_.Groups[1].Value }) | Where-Object { $_ -in $rows }
        @($listed | Sort-Object -Unique) | Should -Be @($expected | Sort-Object -Unique)
    }

    It 'points at about_AgentGateway_Errors, never at a file of the repository' {
        $text = Get-Help $Name -Full | Out-String
        $text | Should -Match 'about_AgentGateway_Errors'
        $text | Should -Not -Match 'docs/|\.md\b'
    }
}
