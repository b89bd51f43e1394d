# Servers of every session mode and revision, and what they ask during a call, end to end against the sandbox:
# the revision on tools and results, round trips counted per server, a resumed stream, elicitation answered by
# -ElicitationHandler or declined with a warning, server log notifications in -Verbose, ping.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $desk = [uri] $sb.servers.'sandbox-desk'

    function Get-ServerStats([string] $Name) {
        $stats = (Get-AgwSandboxStats $sb).servers.$Name
        if ($stats) { $stats } else { [pscustomobject]@{ initialize = 0; serverDiscover = 0; toolsCall = 0; getResumptions = 0; sessionDeletes = 0; elicitations = 0 } }
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Any revision' {
    BeforeEach {
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'uses <Server> at <Revision>, and later calls cost no handshake' -TestCases @(
        @{ Server = 'sandbox-legacy'; Revision = '2025-03-26' }
        @{ Server = 'sandbox-stateless'; Revision = '2026-07-28' }
        @{ Server = 'sandbox-mixed'; Revision = '2026-07-28' }
        @{ Server = 'sandbox-modern'; Revision = '2026-07-28' }
        @{ Server = 'sandbox-modern-400'; Revision = '2026-07-28' }
    ) {
        $uri = [uri] $sb.servers.$Server
        $tools = @(Get-McpTool -Uri $uri -ErrorAction Stop)
        $tools.ProtocolVersion | Sort-Object -Unique | Should -Be $Revision
        $first = Get-ServerStats $Server
        $first.initialize | Should -BeLessOrEqual 1
        $first.serverDiscover | Should -BeLessOrEqual 1

        $results = 1..3 | ForEach-Object { Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = "m$_" } -ErrorAction Stop }

        $results.Text | Should -Be @('m1', 'm2', 'm3')
        $results.ProtocolVersion | Sort-Object -Unique | Should -Be $Revision
        $later = Get-ServerStats $Server
        $later.initialize | Should -Be $first.initialize
        $later.serverDiscover | Should -Be $first.serverDiscover
        $later.toolsCall | Should -Be 3
    }

    It 'uses <Server> (2025-11-25, <Answer> to server/discover) through its initialize session: no error, one discovery once per endpoint per runspace' -TestCases @(
        @{ Server = 'sandbox-probe-empty'; Answer = 'an empty result' }
        @{ Server = 'sandbox-probe-malformed'; Answer = 'a malformed result' }
        @{ Server = 'sandbox-probe-status'; Answer = 'HTTP 404' }
        @{ Server = 'sandbox-probe-405'; Answer = 'HTTP 405' }
        @{ Server = 'sandbox-probe-old'; Answer = 'older revisions only' }
    ) {
        $uri = [uri] $sb.servers.$Server
        $script = "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; Invoke-McpTool -Name echo -Uri '$uri' -Arguments @{ message = 'one' } -ErrorAction Stop"
        $runspace = New-AgwTestRunspace   # a first connection to the endpoint in this runspace, whatever ran before
        try {
            $first = Invoke-InRunspace $runspace $script
            $first.Text | Should -Be 'one'
            $first.ProtocolVersion | Should -Be '2025-11-25'
            $stats = Get-ServerStats $Server
            $stats.initialize | Should -Be 1
            $stats.serverDiscover | Should -Be 1 -Because 'one extra round trip asks whether it speaks 2026-07-28'
            $stats.sessionDeletes | Should -Be 0 -Because 'the initialized session is kept and used'
            $stats.toolsCall | Should -Be 1

            # A new session in the same runspace (the pool cleared): initialize pinned to 2025-11-25, no discovery again.
            $second = Invoke-InRunspace $runspace "Clear-AgwTokenCache; $($script -replace "'one'", "'two'")"
            $second.Text | Should -Be 'two'
            $stats = Get-ServerStats $Server
            $stats.initialize | Should -Be 2
            $stats.serverDiscover | Should -Be 1
        }
        finally {
            $runspace.Dispose()
        }
    }

    It 'lists and calls <Server>, which speaks 2026-07-28 only (initialize: <Initialize>): one discovery, no initialize, no session' -TestCases @(
        @{ Server = 'sandbox-modern'; Initialize = '-32601' }
        @{ Server = 'sandbox-modern-400'; Initialize = 'HTTP 400 -32022' }
    ) {
        $uri = [uri] $sb.servers.$Server
        $script = "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; @(Get-McpTool -Uri '$uri' -ErrorAction Stop).Count; (Invoke-McpTool -Name echo -Uri '$uri' -Arguments @{ message = 'modern' } -ErrorAction Stop).Text"
        $runspace = New-AgwTestRunspace
        try {
            $count, $text = Invoke-InRunspace $runspace $script
            $count | Should -BeGreaterThan 0
            $text | Should -Be 'modern'
            $stats = Get-ServerStats $Server
            $stats.initialize | Should -Be 0
            $stats.serverDiscover | Should -Be 1
            $stats.sessionDeletes | Should -Be 0
        }
        finally {
            $runspace.Dispose()
        }
    }

    It 'gives JSON-RPC <Code> from a 2026-07-28 server the ErrorId <ErrorId>' -TestCases @(
        @{ Tool = 'refuse'; Code = -32020; ErrorId = 'McpHeaderMismatch' }
        @{ Tool = 'needs-sampling'; Code = -32021; ErrorId = 'McpClientCapabilityRequired' }
        @{ Tool = 'revision-gone'; Code = -32022; ErrorId = 'McpUnsupportedRevision' }
    ) {
        $uri = [uri] $sb.servers.'sandbox-modern'
        $errs = $null
        Invoke-McpTool -Name $Tool -Uri $uri -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $errs[0].Exception.RpcErrorCode | Should -Be $Code
        $errs[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'shows the revision in -Verbose' {
        $uri = [uri] $sb.servers.'sandbox-legacy'
        $verbose = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'v' } -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        ($verbose -join "`n") | Should -Match 'MCP 2025-03-26'
    }

    It 'picks up a result whose stream closed before it, without calling the tool again' {
        $uri = [uri] $sb.servers.'sandbox-legacy'
        $result = Invoke-McpTool -Name resumable -Uri $uri -Arguments @{ message = 'hello' } -ErrorAction Stop

        $result.Text | Should -Be 'resumed: hello'
        $stats = Get-ServerStats 'sandbox-legacy'
        $stats.toolsCall | Should -Be 1
        $stats.getResumptions | Should -Be 1
    }

    It 'bounds the wait on a resumed stream with -TimeoutSec' {
        $uri = [uri] $sb.servers.'sandbox-legacy'
        $errs = $null
        Invoke-McpTool -Name stalled -Uri $uri -Arguments @{ message = 'x' } -TimeoutSec 2 -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpTimeout*'
        (Get-ServerStats 'sandbox-legacy').toolsCall | Should -Be 1
    }
}

Describe 'What a server asks during a call' {
    BeforeEach {
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'answers a form with what -ElicitationHandler returns, checked against the schema' {
        $seen = $null
        $result = Invoke-McpTool -Name book-trip -Uri $desk -ElicitationHandler {
            param($r)
            $script:seen = $r
            @{ destination = 'Lisbon'; nights = 3; cabin = 'business' }
        } -ErrorAction Stop

        $result.Text | Should -BeLike 'accept *'
        $content = ($result.Text -replace '^accept ', '') | ConvertFrom-Json
        $content.destination | Should -Be 'Lisbon'
        $content.nights | Should -Be 3
        $content.cabin | Should -Be 'business'
        $content.breakfast | Should -BeTrue -Because 'the SDK fills in the default the user left out'
        $script:seen.ServerName | Should -Be 'sandbox-desk'
        $script:seen.Mode | Should -Be 'form'
        $script:seen.Message | Should -Be 'Where to, and for how long?'
        ($script:seen.Fields | Where-Object Name -EQ 'cabin').Choices | Should -Be @('economy', 'business')
        ($script:seen.Fields | Where-Object Name -EQ 'nights').Default | Should -Be 2
    }

    It 'declines when the handler returns $null' {
        (Invoke-McpTool -Name book-trip -Uri $desk -ElicitationHandler { param($r) $null } -ErrorAction Stop).Text | Should -Be 'decline'
    }

    It 'cancels, with a warning naming the field, when the handler answers with the wrong type' {
        $warnings = $null
        $result = Invoke-McpTool -Name book-trip -Uri $desk -ElicitationHandler { param($r) @{ destination = 'Rome'; nights = 'many' } } -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        $result.Text | Should -Be 'cancel'
        "$warnings" | Should -Match "Nights"
    }

    It 'declines with a warning naming the server and its message when nothing can answer' {
        $warnings = $null
        $result = Invoke-McpTool -Name book-trip -Uri $desk -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

        $result.Text | Should -Be 'decline'
        "$warnings" | Should -Match "sandbox-desk"
        "$warnings" | Should -Match 'Where to, and for how long\?'
        (Get-ServerStats 'sandbox-desk').elicitations | Should -Be 1
    }

    It 'answers an elicitation over 2026-07-28 (multi round-trip requests) with -ElicitationHandler' {
        $stateless = [uri] $sb.servers.'sandbox-stateless'
        $seen = $null
        $result = Invoke-McpTool -Name book-trip -Uri $stateless -ElicitationHandler {
            param($r)
            $script:seen = $r
            @{ destination = 'Porto'; nights = 5; cabin = 'business' }
        } -ErrorAction Stop

        $result.ProtocolVersion | Should -Be '2026-07-28'
        $result.Text | Should -BeLike 'accept *'
        $content = ($result.Text -replace '^accept ', '') | ConvertFrom-Json
        $content.destination | Should -Be 'Porto'
        $content.nights | Should -Be 5
        $content.cabin | Should -Be 'business'
        $script:seen.ServerName | Should -Be 'sandbox-stateless'
        $script:seen.Message | Should -Be 'Where to, and for how long?'
        ($script:seen.Fields | Where-Object Name -EQ 'nights').Default | Should -Be 2
        $stats = Get-ServerStats 'sandbox-stateless'
        $stats.elicitations | Should -Be 1
        $stats.toolsCall | Should -Be 2 -Because 'the input-required result, then the same call again with the answer and the request state'
    }

    It 'declines an elicitation over 2026-07-28 when the handler returns $null' {
        $stateless = [uri] $sb.servers.'sandbox-stateless'
        $result = Invoke-McpTool -Name book-trip -Uri $stateless -ElicitationHandler { param($r) $null } -ErrorAction Stop
        $result.ProtocolVersion | Should -Be '2026-07-28'
        $result.Text | Should -Be 'decline'
    }

    It 'answers a URL elicitation through the handler, which is shown the URL' {
        $url = $null
        $result = Invoke-McpTool -Name open-consent -Uri $desk -ElicitationHandler { param($r) $script:url = $r.Url; if ($r.Mode -eq 'url') { 'accept' } } -ErrorAction Stop

        $result.Text | Should -Be 'accept'
        $script:url | Should -Be 'https://consent.sandbox.invalid/budget/42'
    }

    It 'writes the server''s log notifications to -Verbose, prefixed with its name, and answers its ping' {
        $out = Invoke-McpTool -Name chatty -Uri $desk -Verbose -ErrorAction Stop 4>&1
        $verbose = $out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $result = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }

        $verbose | Should -Contain '[sandbox-desk] info desk: checking the budget'
        $verbose | Should -Contain '[sandbox-desk] warning: {"note":"budget nearly spent"}'
        $result.Text | Should -Be 'the client answered ping'
    }
}
