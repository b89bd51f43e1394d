# Hostile results (issue 19: defects 5, 6 and 9), end to end through the built module and the sandbox's hand-written
# sandbox-hostile-results server (tests/AgentGateway.Sandbox/Hostile/HostileResultServer.cs): its one tool, 'answer',
# runs (the gateway counts each tools/call it forwards) and answers as its 'kind' argument says. Any key and value of
# a result becomes PowerShell objects, or that call's error; a bulk run gives every row a result or its own error;
# an answer past MaxResponseSizeMB fails at the limit; a failure names its cause, says when the tool may have run, and
# never points a -Uri user at ORD ids.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $script:hostile = [uri] $sb.servers.'sandbox-hostile-results'
    $script:listing = [uri] $sb.servers.'sandbox-hostile-listing'

    # How many tools/call the hostile server got (ran), since the last reset.
    function Get-HostileToolCall { [long] (Get-AgwSandboxStats $sb).servers.'sandbox-hostile-results'.toolsCall }

    function Reset-HostileState {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
    }

    # In a fresh pwsh, after one small call: the peak working set's growth over that baseline while $Measured runs
    # (a line of script whose value is reported too); returns the growth and that value.
    function Measure-PeakGrowth([string] $Measured) {
        $script = @"
Import-Module '$ModuleManifest'
`$env:SERVICE_BINDING_ROOT = '$($sb.BindingRoot)'
Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'
`$null = Invoke-McpTool -Uri '$hostile' -Name answer -Arguments @{ kind = 'text'; size = 1024 }
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$process = [Diagnostics.Process]::GetCurrentProcess(); `$process.Refresh(); `$baseline = `$process.WorkingSet64
`$value = $Measured
`$process.Refresh()
"`$(`$process.PeakWorkingSet64 - `$baseline) `$value"
"@
        $pwsh = Get-AgwPwshCommand
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script)))
        (& $pwsh[0] @arguments | Select-Object -Last 1) -split ' '
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Any key and any value of a result converts' {
    BeforeAll { Reset-HostileState }

    It 'makes an object with an empty property name an ordered dictionary (as ConvertFrom-Json -AsHashtable), nested ones too' {
        $result = Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'empty-key'; i = 1 } -ErrorAction Stop
        $result.StructuredContent | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
        $result.StructuredContent[''] | Should -Be 'empty'
        $result.StructuredContent['i'] | Should -Be 1
        $result.StructuredContent['nested'][''][''] | Should -Be 1
        $result.StructuredContent['list'][0][''] | Should -BeTrue
    }

    It 'keeps names that differ only in case apart, and reserved names such as psobject' {
        $cases = (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'case-keys' } -ErrorAction Stop).StructuredContent
        $cases['a'] | Should -Be 1
        $cases['A'] | Should -Be 2
        $cases['Name'] | Should -Be 'x'
        $cases['name'] | Should -Be 'y'
        $reserved = (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'reserved-keys' } -ErrorAction Stop).StructuredContent
        $reserved['psobject'] | Should -Be 1
        $reserved['PSBase'] | Should -Be 2
        $reserved['pstypenames'] | Should -Be @('x')
    }

    It 'keeps the last value of a name given twice, as ConvertFrom-Json does' {
        $content = (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'duplicate-keys' } -ErrorAction Stop).StructuredContent
        $content | Should -BeOfType ([pscustomobject])
        $content.a | Should -Be 2
        @($content.b.c) | Should -Be @(3)
    }

    It 'converts huge and tiny numbers, nulls, escapes, long strings and long names' {
        $content = (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'odd-values' } -ErrorAction Stop).StructuredContent
        $content.big | Should -BeOfType ([System.Numerics.BigInteger])
        $content.big | Should -Be ([System.Numerics.BigInteger]::Parse('123456789012345678901234567890'))
        $content.negbig | Should -Be ([System.Numerics.BigInteger]::Parse('-98765432109876543210'))
        $content.huge | Should -Be ([double]::PositiveInfinity)
        $content.neghuge | Should -Be ([double]::NegativeInfinity)
        $content.tiny | Should -Be 0
        $content.float | Should -Be 0.1
        $content.nul | Should -BeNullOrEmpty
        $content.arr.Count | Should -Be 4
        $content.esc | Should -Be "`0`e[31mred$([char]0x202e)$([char]::ConvertFromUtf32(0x1F600))" -Because 'the object keeps the data as sent'
        $content.long.Length | Should -Be 100000
        $content.PSObject.Properties[('k' * 10000)].Value | Should -Be 1
    }

    It 'keeps a string with a lone surrogate escape as the chars it names' {
        $result = Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'lone-surrogate'; i = 1 } -ErrorAction Stop
        $result.StructuredContent.s | Should -Be "a$([char]0xD800)b"
        $result.Text | Should -Be 'row 1'
    }

    It 'keeps content blocks that are null or malformed as unknown blocks, and a null structuredContent as $null' {
        $result = Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'nulls' } -ErrorAction Stop
        $result.Content.Count | Should -Be 6
        $result.StructuredContent | Should -BeNullOrEmpty
        $result.IsError | Should -BeFalse
    }

    It 'converts a result nested as deep as the reader allows' {
        $result = Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'deep'; depth = 64; i = 1 } -ErrorAction Stop
        $node = $result.StructuredContent
        $levels = 0
        while ($node.a) { $node = $node.a; $levels++ }
        $levels | Should -Be 61
        $node.i | Should -Be 1
    }

    It 'shows and serializes every one of them without an error' {
        foreach ($kind in 'empty-key', 'case-keys', 'duplicate-keys', 'reserved-keys', 'odd-values', 'nulls') {
            $result = Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $kind } -ErrorAction Stop
            { $result | Format-List * | Out-String } | Should -Not -Throw -Because $kind
            { $result.StructuredContent | ConvertTo-Json -Depth 100 -WarningAction Ignore } | Should -Not -Throw -Because $kind
        }
    }
}

Describe 'A bulk run gives every row a result or its own error' {
    BeforeEach { Reset-HostileState }

    It 'with -ThrottleLimit <Throttle>, a row whose answer is <Poison> is that row''s error (<ErrorId>); the other 19 are results, in order' -ForEach @(
        @{ Throttle = 4; Poison = 'invalid-json'; ErrorId = 'McpProtocolError' }
        @{ Throttle = 4; Poison = 'html'; ErrorId = 'McpProtocolError' }
        @{ Throttle = 4; Poison = 'other-id'; ErrorId = 'McpProtocolError' }
        @{ Throttle = 4; Poison = 'drop'; ErrorId = 'McpConnectionLost' }
        @{ Throttle = 4; Poison = 'endless-sse'; ErrorId = 'McpResponseTooLarge' }
        @{ Throttle = 1; Poison = 'infinity'; ErrorId = 'McpProtocolError' }
        @{ Throttle = 1; Poison = 'drop-sse'; ErrorId = 'McpConnectionLost' }
    ) {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -MaxResponseSizeMB 1
        $rows = 1..20 | ForEach-Object { @{ i = $_; kind = if ($_ -eq 7) { $Poison } else { 'ok' } } }
        $errors = $null
        $results = @($rows | Invoke-McpTool -Uri $hostile -Name answer -ThrottleLimit $Throttle -ErrorVariable errors -ErrorAction SilentlyContinue)

        @($results.StructuredContent.i) | Should -Be @(1..6 + 8..20)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        [object]::ReferenceEquals($errors[0].TargetObject, $rows[6]) | Should -BeTrue -Because 'the error targets the row whose call failed'
        $errors[0].ToString() | Should -Match 'The tool may have run: calling it again may run it again'
        Get-HostileToolCall | Should -Be 20 -Because 'every row ran once, none twice'
    }

    It 'converts every row when the results hold every kind of hard key and value' {
        $kinds = 'ok', 'empty-key', 'case-keys', 'duplicate-keys', 'reserved-keys', 'odd-values', 'nulls'
        $rows = 0..19 | ForEach-Object { @{ i = $_; kind = $kinds[$_ % $kinds.Count] } }
        $errors = $null
        $results = @($rows | Invoke-McpTool -Uri $hostile -Name answer -ThrottleLimit 4 -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.Count | Should -Be 0
        $results.Count | Should -Be 20
        for ($i = 0; $i -lt 20; $i++) { [object]::ReferenceEquals($results[$i].Arguments, $rows[$i]) | Should -BeTrue }
        Get-HostileToolCall | Should -Be 20
    }
}

Describe 'MaxResponseSizeMB bounds every answer' {
    BeforeEach { Reset-HostileState }
    AfterAll { Reset-HostileState }

    It 'fails an answer larger than the limit (<Kind>), naming the limit and how to raise it' -ForEach @(
        @{ Kind = 'text' }
        @{ Kind = 'text-sse' }
    ) {
        Set-AgwClientConfig -MaxResponseSizeMB 1
        (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind; size = 1000000 } -ErrorAction Stop).Text.Length | Should -Be 1000000
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind; size = 1100000 } -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpResponseTooLarge,*'
        $err.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err.ToString() | Should -Match 'larger than the response size limit of 1 MB \(MaxResponseSizeMB\)'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Set-AgwClientConfig -MaxResponseSizeMB'
        Set-AgwClientConfig -MaxResponseSizeMB 2
        (Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind; size = 1100000 } -ErrorAction Stop).Text.Length | Should -Be 1100000
    }

    It 'keeps a 20 MB result in well under 6 times its size at the peak (a fresh pwsh; bench/Measure-ResponseMemory.ps1 has the figures)' {
        # Coarse on purpose: about 2x is what it takes (today's figure is in bench/results), before #19 it was 12x.
        $size = 20MB
        $growth, $blocks = Measure-PeakGrowth "(Invoke-McpTool -Uri '$hostile' -Name answer -Arguments @{ kind = 'text'; size = $size }).Content.Count"
        $blocks | Should -Be 1 -Because 'the call returned its result'
        [long] $growth | Should -BeLessThan (6 * $size)
    }

    It 'keeps the code and the whole message of a JSON-RPC error of several MB (<Kind>), its record fit and bounded' -ForEach @(
        @{ Kind = 'huge-error' }
        @{ Kind = 'huge-error-sse' }
    ) {
        # Past 1 MB the response guard reads the error itself and hands the SDK a stand-in with the same id and code.
        Set-AgwClientConfig -MaxResponseSizeMB 8
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind; size = 3MB } -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpProtocolError*'
        $err.ToString() | Should -BeLike '*JSON-RPC error -32603: huge error*'
        $err.ToString().Length | Should -BeLessThan 4000
        $err.Exception.RpcErrorCode | Should -Be -32603
        $err.Exception.RpcErrorMessage.Length | Should -Be (3MB + 11)
        $err.Exception.RpcErrorMessage.StartsWith("huge error`neee", [StringComparison]::Ordinal) | Should -BeTrue
    }

    It 'keeps a 20 MB JSON-RPC error in well under 6 times its size at the peak (a fresh pwsh)' {
        # Half of it the message, half the data: about 3x is what it takes (the message kept as a string is 2x its
        # size); before the response guard read large errors itself it was 10x.
        $size = 20MB
        $growth, $length = Measure-PeakGrowth "try { Invoke-McpTool -Uri '$hostile' -Name answer -Arguments @{ kind = 'huge-error'; size = $($size / 2) } -ErrorAction Stop | Out-Null; 0 } catch { `$_.Exception.RpcErrorMessage.Length }"
        [long] $length | Should -Be ($size / 2 + 11) -Because 'the call failed with the whole message'
        [long] $growth | Should -BeLessThan (6 * $size)
    }

    It 'stops an event whose data line never ends at the limit' {
        Set-AgwClientConfig -MaxResponseSizeMB 1
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'endless-sse' } -TimeoutSec 60 -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpResponseTooLarge,*'
        $err.ToString() | Should -Match '^An event of the answer'
    }
}

Describe 'Failures name their cause' {
    BeforeEach { Reset-HostileState }

    It 'names <Cause> (<Kind>), not "completed without a reply"' -ForEach @(
        @{ Kind = 'invalid-json'; Cause = 'is not valid JSON: it ends in the middle of the JSON' }
        @{ Kind = 'garbage'; Cause = "is not valid JSON: it holds the unquoted word 'this'" }
        @{ Kind = 'infinity'; Cause = 'it holds a bare Infinity at byte \d+ \(JSON has no Infinity or NaN\)' }
        @{ Kind = 'html'; Cause = "with HTTP 200 and content type 'text/html', not a JSON-RPC reply" }
        @{ Kind = 'other-id'; Cause = 'is a reply to another request \(id "not-yours"\)' }
        @{ Kind = 'other-id-sse'; Cause = 'ended without a reply to tools/call: it brought a reply to another request' }
    ) {
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind } -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpProtocolError,*'
        $err.ToString() | Should -Match $Cause
        $err.ToString() | Should -Not -Match 'without a reply to request with ID'
        $err.ErrorDetails.RecommendedAction | Should -Match 'report it to the server''s owner'
    }

    It 'names a bare Infinity in a listing' {
        $err = { Get-McpTool -Uri $listing -ErrorAction Stop } | Should -Throw -PassThru
        $err.ToString() | Should -Match 'to tools/list is not valid JSON: it holds a bare Infinity'
    }

    It 'says that a tool whose connection broke after the call may have run (<Kind>), with its own ErrorId, and does not resend it' -ForEach @(
        @{ Kind = 'drop' }
        @{ Kind = 'drop-sse' }
        @{ Kind = 'drop-json' }
    ) {
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = $Kind } -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpConnectionLost,*'
        $err.ToString() | Should -Match 'broke after tools/call was sent'
        $err.ToString() | Should -Match 'The tool may have run: calling it again may run it again'
        $err.ToString() | Should -Not -Match 'Cannot reach'
        $err.ErrorDetails.RecommendedAction | Should -Match 'before you call it again'
        Get-HostileToolCall | Should -Be 1
    }

    It 'keeps "cannot reach" (McpServerUnreachable) for a server nothing was sent to' {
        $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $err = { Invoke-McpTool -Uri "http://127.0.0.1:$port/mcp" -Name answer -SkipSchemaValidation -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpServerUnreachable,*'
        $err.ToString() | Should -Match 'nothing was sent'
        $err.ErrorDetails.RecommendedAction | Should -Match 'trying again is safe'
    }

    It 'never mentions ORD ids for a -Uri endpoint (<Case>)' -ForEach @(
        @{ Case = 'a session lost twice'; Kind = 'lose-session'; ErrorId = 'McpServerError'; Path = $null }
        @{ Case = 'no server at the URL'; Kind = 'ok'; ErrorId = 'McpServerNotFound'; Path = '/v1/mcp/no-such-server/t' }
        @{ Case = 'an HTML answer'; Kind = 'html'; ErrorId = 'McpProtocolError'; Path = $null }
    ) {
        $uri = if ($Path) { [uri]::new($hostile, $Path) } else { $hostile }
        $err = { Invoke-McpTool -Uri $uri -Name answer -Arguments @{ kind = $Kind } -SkipSchemaValidation -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $err.ToString() | Should -Not -Match 'ORD'
        $err.ErrorDetails.RecommendedAction | Should -Not -Match 'ORD'
    }

    It 'says a session lost again right after a new one is the server failing' {
        $err = { Invoke-McpTool -Uri $hostile -Name answer -Arguments @{ kind = 'lose-session' } -ErrorAction Stop } | Should -Throw -PassThru
        $err.ToString() | Should -Match 'lost its session again right after a new one was set up'
    }
}
