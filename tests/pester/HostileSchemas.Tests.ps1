# Hostile servers (issue 19, defects 3, 4 and 8) end to end, against the sandbox's own hostile servers
# (tests/AgentGateway.Sandbox/Hostile/HostileSchemaServer.cs): schemas that overflowed the schema library's stack and
# ended the process, listings whose unusable tools made every server's listing fail, a pattern that backtracks without
# end, and a server that never answers initialize. Everything runs in a runspace of its own (Invoke-Hostile), so the
# hostile listings this file makes are no other file's completions or lookups.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $script:hostile = [uri] $sb.servers.'sandbox-hostile-schemas'
    $script:silent = [uri] $sb.servers.'sandbox-silent'
    $script:desk = [uri] $sb.servers.'sandbox-desk'
    $script:usable = @('echo', 'match', 'match-keys', 'recursive', 'odd-fields', 'deep-output')
    $script:unusable = @('loop-root', 'loop-defs', 'loop-anyof', 'deep-refs', 'ref-bomb', 'schema-string', 'schema-null', 'schema-array', 'schema-true', 'schema-type-5', 'dangling-ref', 'deep-schema')

    $script:rs = New-AgwTestRunspace

    # Invoke-Hostile (Common.ps1) runs a script in $rs.

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
    if ($rs) { $rs.Dispose() }
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
        $null = Invoke-Hostile { param($ca, $credentials) Set-AgwClientConfig -Reset -TrustedCaPath $ca -CredentialPath $credentials } $sb.caCertificatePath, $hostileCredentials
    }

    AfterAll {
        $null = Invoke-Hostile { param($ca) Set-AgwClientConfig -Reset -TrustedCaPath $ca } $sb.caCertificatePath
    }

    It 'Get-McpTool lists every other tool of that server and of every other server, with one error naming server and tool for each unusable one' {
        $run = Invoke-Hostile { Get-McpTool }
        $tools = $run.Output
        $errs = $run.Errors

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

    It 'completes -Name with the tools of that server, an entry without a name left out' {
        $run = Invoke-Hostile {
            param($uri)
            $null = Get-McpTool -Uri $uri -ErrorAction SilentlyContinue
            $line = "Invoke-McpTool -Uri '$uri' -Name "
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        } $hostile

        $run.Output | Should -Contain 'echo'
        $run.Output | Should -Contain 'loop-root'
        $run.Output | Where-Object { -not $_ } | Should -BeNullOrEmpty
    }

    It 'Get-McpTool -Name of an unusable tool is its error, not "no such tool"' {
        $run = Invoke-Hostile { param($uri) Get-McpTool -Uri $uri -Name 'loop-defs', 'echo' } $hostile

        $run.Output.Name | Should -Be 'echo'
        $run.Errors.Count | Should -Be 1
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'McpToolUnusable,*'
        "$($run.Errors[0])" | Should -BeLike "*tool 'loop-defs'*loop without end*"
    }

    It 'Import-McpTool makes a command of every usable tool and none of the others' {
        $run = Invoke-Hostile {
            param($uri)
            $module = Import-McpTool -Uri $uri -PassThru -WarningAction SilentlyContinue
            $module.PrivateData.Tools
            $echo = ($module.PrivateData.Tools | Where-Object Tool -EQ 'echo').Command
            (& $echo -Message 'hi').Text
        } $hostile

        $made = @($run.Output | Where-Object { $_ -is [hashtable] } | ForEach-Object { $_.Tool })
        $made | Where-Object { $_ -ne 'empty-property' } | Should -Be $usable
        foreach ($name in $unusable) { $made | Should -Not -Contain $name }
        @($run.Errors | Where-Object { $_.FullyQualifiedErrorId -notlike 'McpToolUnusable,*' }) | Should -BeNullOrEmpty
        $run.Output[-1] | Should -Be '{"name":"echo","arguments":{"message":"hi"}}'
    }

    It 'Invoke-McpTool refuses an unusable tool unsent, and sends it unchecked with -SkipSchemaValidation' {
        $before = Get-HostileCalls
        $refused = Invoke-Hostile { param($uri) Invoke-McpTool -Uri $uri -Name loop-root -Arguments @{ a = 1 } } $hostile
        $refused.Errors.Count | Should -Be 1
        $refused.Errors[0].FullyQualifiedErrorId | Should -BeLike 'McpToolUnusable,*'
        Get-HostileCalls | Should -Be $before

        $sent = Invoke-Hostile { param($uri) (Invoke-McpTool -Uri $uri -Name loop-root -Arguments @{ a = 1 } -SkipSchemaValidation).Text } $hostile
        $sent.Output | Should -Be '{"name":"loop-root","arguments":{"a":1}}'
        Get-HostileCalls | Should -Be ($before + 1)
    }
}

Describe '-TimeoutSec bounds the whole call (defect 8)' {
    BeforeAll {
        # A config timeout no test waits for: any bound seen below is the call's own. The session and the listing
        # are made outside the timed calls.
        $null = Invoke-Hostile {
            param($ca, $uri)
            Set-AgwClientConfig -Reset -TrustedCaPath $ca -TimeoutSec 600
            Get-McpTool -Uri $uri -ErrorAction SilentlyContinue
        } $sb.caCertificatePath, $hostile
    }

    AfterAll {
        $null = Invoke-Hostile { param($ca) Set-AgwClientConfig -Reset -TrustedCaPath $ca } $sb.caCertificatePath
    }

    It 'gives up on a server that never answers initialize at -TimeoutSec, not at the config''s timeout' {
        $run = Invoke-Hostile { param($uri) Invoke-McpTool -Uri $uri -Name echo -Arguments @{ message = 'x' } -TimeoutSec 2 } $silent

        $run.Errors.Count | Should -Be 1
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'McpTimeout,*'
        "$($run.Errors[0])" | Should -Match 'did not finish within (1\.\d+|2) s' -Because 'the listing for the argument check waits what is left of the call''s 2 s, not 600 s'
    }

    It 'ends the check of a pattern that backtracks without end with ToolArgumentCheckTimedOut, and sends nothing' {
        $before = Get-HostileCalls
        $value = ('a' * 40) + '!'

        $run = Invoke-Hostile { param($uri, $value) Invoke-McpTool -Uri $uri -Name match -Arguments @{ value = $value } -TimeoutSec 1 } $hostile, $value

        $run.Errors.Count | Should -Be 1
        $err = $run.Errors[0]
        $err.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentCheckTimedOut,*'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        "$err" | Should -BeLike "*tool 'match'*'^(a+)+`$'*Nothing was sent.*"
        "$err" | Should -Not -BeLike "*$value*"
        Get-HostileCalls | Should -Be $before
        (Invoke-Hostile { param($uri) (Invoke-McpTool -Uri $uri -Name match -Arguments @{ value = 'aaa' } -TimeoutSec 5).Text } $hostile).Output | Should -BeLike '*"value":"aaa"*'
    }

    It 'bounds each row''s check under -ThrottleLimit 4: every row gets its own error, the good row its result' {
        $values = @((('a' * 40) + '!'), 'aaaa', (('a' * 41) + '!'), (('a' * 42) + '!'))

        $run = Invoke-Hostile {
            param($uri, $values)
            $values | ForEach-Object { @{ value = $_ } } | Invoke-McpTool -Uri $uri -Name match -ThrottleLimit 4 -TimeoutSec 1
        } $hostile, $values

        $run.Output.Count | Should -Be 1
        $run.Output[0].Text | Should -BeLike '*"value":"aaaa"*'
        $run.Errors.Count | Should -Be 3
        $run.Errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentCheckTimedOut,*' }
        $run.Errors | ForEach-Object { $_.TargetObject.value } | Should -Be @($values[0], $values[2], $values[3]) -Because 'each error targets its row'
    }

    It 'does not count the time a person (here a handler) takes to answer the server against -TimeoutSec' {
        $run = Invoke-Hostile {
            param($uri)
            $null = Invoke-McpTool -Uri $uri -Name chatty   # the session, outside the timed call
            (Invoke-McpTool -Uri $uri -Name book-trip -TimeoutSec 1 -ElicitationHandler { Start-Sleep -Milliseconds 2500; $null }).Text
        } $desk

        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be 'decline'
    }
}
