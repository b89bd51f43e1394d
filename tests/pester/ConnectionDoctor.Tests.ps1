# Test-AgwConnection end to end against the sandbox: a row per stage, -Quiet, -OrdId, -Uri, the view, no secret.
# (Each stage and where a broken setup breaks, proxies included: tests/AgentGateway.Engine.Tests/Doctor.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
}

AfterAll {
    Set-AgwClientConfig -Reset
    Disconnect-AgwTestSandbox $sb
}

Describe 'Test-AgwConnection' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
    }

    It 'writes one row per stage, from the credentials to the dependency, all passing' {
        $rows = Test-AgwConnection -OrdId $travel
        $rows[0] | Should -BeOfType ([AgentGateway.AgwConnectionStage])
        $rows.Stage | Should -Contain 'Token service mTLS'
        $rows.Stage | Should -Contain 'System token'
        ($rows | Where-Object Stage -EQ 'Dependency').Target | Should -Be $travel
        $rows | Where-Object Verdict -EQ 'Fail' | Should -BeNullOrEmpty
        ($rows | Where-Object Stage -EQ 'Dependency').Detail | Should -Match 'revision \d{4}-\d\d-\d\d, \d+ tools'
    }

    It 'shows a table of stage, verdict, milliseconds, target and detail' {
        $text = Test-AgwConnection -OrdId $travel | Out-String -Width 200
        $text | Should -Match 'Stage\s+Verdict\s+Ms\s+Target\s+Detail'
        $text | Should -Match 'Client certificate\s+Pass'
    }

    It 'answers $true or $false alone with -Quiet' {
        Test-AgwConnection -OrdId $travel -Quiet | Should -BeExactly $true
        Set-AgwClientConfig -Reset
        Test-AgwConnection -OrdId $travel -Quiet | Should -BeExactly $false
    }

    It 'says what to do at the stage that fails, and skips what needs it' {
        Set-AgwClientConfig -Reset
        $rows = Test-AgwConnection -OrdId $travel
        $failed = $rows | Where-Object Verdict -EQ 'Fail' | Select-Object -First 1
        $failed.Stage | Should -Be 'Token service TLS'
        $failed.Action | Should -Match 'TrustedCaPath'
        ($rows | Where-Object Stage -EQ 'System token').Verdict | Should -Be 'Skip'
    }

    It 'checks one endpoint with -Uri, and never shows a token or the user JWT' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'doctor'
        $uri = "$($sb.gatewayUrl)/v1/mcp/$([uri]::EscapeDataString($travel))/$($sb.dependencies[0].globalTenantId)"
        $rows = Test-AgwConnection -Uri $uri -UserToken $jwt
        $rows.Stage | Should -Be 'Endpoint DNS', 'Endpoint TCP', 'Endpoint TLS', 'MCP'
        ($rows | Where-Object Stage -EQ 'MCP').Verdict | Should -Be 'Pass'
        $all = ($rows | Format-List * | Out-String) + (Test-AgwConnection -OrdId $travel -UserToken $jwt | Format-List * | Out-String)
        $all | Should -Not -Match 'eyJ'
    }

    It 'checks a local server with -Command: its start, revision and tools, no network stage, no environment value shown' {
        $dll = (Resolve-Path (Join-Path $PSScriptRoot '../AgentGateway.Sandbox/bin/Release/net10.0/AgentGateway.Sandbox.dll')).Path
        try {
            $rows = Test-AgwConnection -Command dotnet -ArgumentList $dll, 'stdio' -Environment @{ AGW_STDIO_MARK = 'doctor-mark-value' }
            $rows.Stage | Should -Be 'MCP'
            $rows.Verdict | Should -Be 'Pass'
            $rows.Target | Should -BeLike 'dotnet *AgentGateway.Sandbox.dll stdio'
            $rows.Detail | Should -Match "server 'sandbox-stdio', revision \d{4}-\d{2}-\d{2}, \d+ tools, authorization: none needed"
            ($rows | Format-List * | Out-String) | Should -Not -Match 'doctor-mark-value'
            Test-AgwConnection -Command dotnet -ArgumentList $dll, 'stdio' -Environment @{ AGW_STDIO_MARK = 'doctor-mark-value' } -Quiet | Should -BeTrue
            @(Get-McpLocalServer).Count | Should -Be 1 -Because 'the second check reused the process the first one started'
        }
        finally {
            Stop-McpLocalServer
        }
    }
}
