# Hostile servers (issue 19, defects 3, 4 and 8) end to end, against the sandbox's own hostile servers
# (tests/AgentGateway.Sandbox/Hostile/HostileSchemaServer.cs): schemas that overflowed the schema library's stack and
# ended the process, listings whose unusable tools made every server's listing fail, a pattern that backtracks without
# end, and a server that never answers initialize.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $script:hostile = [uri] $sb.servers.'sandbox-hostile-schemas'
    $script:silent = [uri] $sb.servers.'sandbox-silent'
    $script:desk = [uri] $sb.servers.'sandbox-desk'
    $script:usable = @('echo', 'match', 'match-keys', 'recursive', 'odd-fields')
    $script:unusable = @('loop-root', 'loop-defs', 'loop-anyof', 'deep-refs', 'ref-bomb', 'schema-string', 'schema-null', 'schema-array', 'schema-true', 'schema-type-5', 'dangling-ref')

    function Get-HostileCalls {
        $stats = (Get-AgwSandboxStats $sb).servers.'sandbox-hostile-schemas'
        if ($stats) { $stats.toolsCall } else { 0 }
    }

    # Credentials naming the hostile server among the sandbox's dependencies (before catalog and the offline one).
    $credentials = Get-Content -Raw (Join-Path $sb.bindingPath 'credentials') | ConvertFrom-Json
    $segments = $hostile.AbsolutePath.Trim('/').Split('/')
    $deps = [System.Collections.Generic.List[object]]::new([object[]] $credentials.integrationDependencies)
    $deps.Insert(2, [pscustomobject]@{ ordId = [uri]::UnescapeDataString($segments[2]); globalTenantId = [uri]::UnescapeDataString($segments[3]) })
    $credentials.integrationDependencies = $deps.ToArray()
    $script:hostileCredentials = Join-Path $TestDrive 'hostile-credentials.json'
    $credentials | ConvertTo-Json -Depth 5 | Set-Content -Path $hostileCredentials
    if (-not $IsWindows) { chmod 600 $hostileCredentials }
}

AfterAll {
    Get-Module | Where-Object { $_.PrivateData -is [hashtable] -and $_.PrivateData.ContainsKey('AgentGatewayToolModule') } | Remove-Module -Force
    Disconnect-AgwTestSandbox $sb
}

Describe 'A schema that overflowed the schema library''s stack (defect 3)' {
    It 'leaves a fresh pwsh alive through Get-McpTool, Import-McpTool, Invoke-McpTool -WhatIf and Invoke-McpTool, each tool an error of its own' {
        $child = Join-Path $TestDrive 'overflow.ps1'
        Set-Content -Path $child -Value @'
param($Manifest, $CaPath, $Uri)
$ErrorActionPreference = 'Continue'
Import-Module $Manifest
Set-AgwClientConfig -TrustedCaPath $CaPath
$errors = [System.Collections.Generic.List[object]]::new()
$listed = @(Get-McpTool -Uri $Uri -ErrorVariable +errors -ErrorAction SilentlyContinue)
foreach ($tool in 'loop-root', 'loop-defs', 'loop-anyof', 'deep-refs', 'ref-bomb') {
    Invoke-McpTool -Uri $Uri -Name $tool -Arguments @{ x = @{ x = @{} } } -WhatIf -ErrorVariable +errors -ErrorAction SilentlyContinue
    Invoke-McpTool -Uri $Uri -Name $tool -Arguments @{ x = @{} } -ErrorVariable +errors -ErrorAction SilentlyContinue
}
$module = Import-McpTool -Uri $Uri -PassThru -ErrorVariable +errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
[pscustomobject]@{
    Survived = $true
    Listed = $listed.Name
    Commands = @($module.PrivateData.Tools.Tool)
    ErrorIds = @($errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
} | ConvertTo-Json -Compress
'@
        $pwsh = Get-AgwPwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $child -Manifest $ModuleManifest -CaPath $sb.caCertificatePath -Uri $hostile 2>&1
        $exit = $LASTEXITCODE
        $said = ($output | ForEach-Object { "$_" }) -join "`n"

        $exit | Should -Be 0 -Because "a stack overflow ends the process (exit 134); the child said:`n$said"
        $report = $output | Select-Object -Last 1 | ConvertFrom-Json
        $report.Survived | Should -BeTrue
        $report.Listed | Should -Contain 'echo'
        $report.Listed | Should -Not -Contain 'loop-root'
        $report.Commands | Should -Contain 'recursive'
        $report.Commands | Should -Not -Contain 'ref-bomb'
        $report.ErrorIds | Sort-Object -Unique | Should -Be 'McpToolUnusable'
        $report.ErrorIds.Count | Should -BeGreaterOrEqual (2 * $unusable.Count + 10)
    }
}

Describe 'One unusable tool spoils only itself (defect 4)' {
    BeforeAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -CredentialPath $hostileCredentials
    }

    AfterAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
    }

    It 'Get-McpTool lists every other tool of that server and of every other server, with one error naming server and tool for each unusable one' {
        $tools = @(Get-McpTool -ErrorVariable errs -ErrorAction SilentlyContinue)

        $tools.ServerName | Select-Object -Unique | Should -Be @('sandbox-travel', 'sandbox-crm', 'sandbox-hostile-schemas', 'sandbox-catalog')
        $mine = @($tools | Where-Object ServerName -EQ 'sandbox-hostile-schemas').Name
        $mine | Where-Object { $_ -ne 'empty-property' } | Should -Be $usable
        @($tools | Where-Object ServerName -EQ 'sandbox-travel').Name | Should -Contain 'echo'

        $unusableErrors = @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'McpToolUnusable,*' })
        foreach ($name in $unusable) {
            $one = @($unusableErrors | Where-Object { "$_" -like "*tool '$name' of the MCP server 'sandbox-hostile-schemas' cannot be used:*" })
            $one.Count | Should -Be 1 -Because "'$name' is reported once"
            $one[0].TargetObject | Should -Be $name
            $one[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $one[0].ErrorDetails.RecommendedAction | Should -Match 'SkipSchemaValidation'
        }
        @($unusableErrors | Where-Object { "$_" -like "*entry 16 of the listing has no name*" }).Count | Should -Be 1
        # PowerShell objects cannot have a property named '': the tool with one is listed, or reported by name.
        ('empty-property' -in $mine) -or [bool]($unusableErrors | Where-Object { "$_" -like "*tool 'empty-property'*" }) | Should -BeTrue
        @($errs | Where-Object { $_.FullyQualifiedErrorId -notlike 'McpToolUnusable,*' }).Count | Should -Be 1 -Because 'the offline dependency fails as ever, and nothing else'
    }

    It 'Get-McpTool -Name of an unusable tool is its error, not "no such tool"' {
        $tools = @(Get-McpTool -Uri $hostile -Name 'loop-defs', 'echo' -ErrorVariable errs -ErrorAction SilentlyContinue)

        $tools.Name | Should -Be 'echo'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpToolUnusable,*'
        "$($errs[0])" | Should -BeLike "*tool 'loop-defs'*loop without end*"
    }

    It 'Import-McpTool makes a command of every usable tool and none of the others' {
        $module = Import-McpTool -Uri $hostile -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $made = @($module.PrivateData.Tools.Tool)
        $made | Where-Object { $_ -ne 'empty-property' } | Should -Be $usable
        foreach ($name in $unusable) { $made | Should -Not -Contain $name }
        @($errs | Where-Object { $_.FullyQualifiedErrorId -notlike 'McpToolUnusable,*' }) | Should -BeNullOrEmpty
        $echo = ($module.PrivateData.Tools | Where-Object Tool -EQ 'echo').Command
        (& $echo -Message 'hi').Text | Should -Be '{"name":"echo","arguments":{"message":"hi"}}'
    }

    It 'Invoke-McpTool refuses an unusable tool unsent, and sends it unchecked with -SkipSchemaValidation' {
        $before = Get-HostileCalls
        $err = { Invoke-McpTool -Uri $hostile -Name loop-root -Arguments @{ a = 1 } -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolUnusable,*'
        Get-HostileCalls | Should -Be $before

        (Invoke-McpTool -Uri $hostile -Name loop-root -Arguments @{ a = 1 } -SkipSchemaValidation -ErrorAction Stop).Text | Should -Be '{"name":"loop-root","arguments":{"a":1}}'
        Get-HostileCalls | Should -Be ($before + 1)
    }
}

Describe '-TimeoutSec bounds the whole call (defect 8)' {
    BeforeAll {
        # A config timeout no test waits for: any bound seen below is the call's own.
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -TimeoutSec 600
        $null = Get-McpTool -Uri $hostile -ErrorAction SilentlyContinue   # the session and listing, outside the timed calls
    }

    AfterAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
    }

    It 'gives up on a server that never answers initialize at -TimeoutSec, not at the config''s timeout' {
        $err = { Invoke-McpTool -Uri $silent -Name echo -Arguments @{ message = 'x' } -TimeoutSec 2 -ErrorAction Stop } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'McpTimeout,*'
        "$err" | Should -Match 'did not finish within (1\.\d+|2) s' -Because 'the listing for the argument check waits what is left of the call''s 2 s, not 600 s'
    }

    It 'ends the check of a pattern that backtracks without end with ToolArgumentCheckTimedOut, and sends nothing' {
        $before = Get-HostileCalls
        $value = ('a' * 40) + '!'

        $err = { Invoke-McpTool -Uri $hostile -Name match -Arguments @{ value = $value } -TimeoutSec 1 -ErrorAction Stop } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentCheckTimedOut,*'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        "$err" | Should -BeLike "*tool 'match'*'^(a+)+`$'*Nothing was sent.*"
        "$err" | Should -Not -BeLike "*$value*"
        Get-HostileCalls | Should -Be $before
        (Invoke-McpTool -Uri $hostile -Name match -Arguments @{ value = 'aaa' } -TimeoutSec 5 -ErrorAction Stop).Text | Should -BeLike '*"value":"aaa"*'
    }

    It 'bounds each row''s check under -ThrottleLimit 4: every row gets its own error, the good row its result' {
        $rows = @(
            @{ value = ('a' * 40) + '!' }
            @{ value = 'aaaa' }
            @{ value = ('a' * 41) + '!' }
            @{ value = ('a' * 42) + '!' }
        )

        $results = @($rows | Invoke-McpTool -Uri $hostile -Name match -ThrottleLimit 4 -TimeoutSec 1 -ErrorVariable errs -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 1
        $results[0].Text | Should -BeLike '*"value":"aaaa"*'
        $errs.Count | Should -Be 3
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentCheckTimedOut,*' }
        $errs | ForEach-Object { $_.TargetObject.value } | Should -Be @($rows[0].value, $rows[2].value, $rows[3].value) -Because 'each error targets its row'
    }

    It 'does not count the time a person (here a handler) takes to answer the server against -TimeoutSec' {
        $null = Invoke-McpTool -Uri $desk -Name chatty -ErrorAction Stop   # the session, outside the timed call

        $result = Invoke-McpTool -Uri $desk -Name book-trip -TimeoutSec 1 -ElicitationHandler { Start-Sleep -Milliseconds 2500; $null } -ErrorAction Stop

        $result.Text | Should -Be 'decline'
    }
}
