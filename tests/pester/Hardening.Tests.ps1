# Field hardening (issue 10), end to end through the built module and the sandbox.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $script:travel = 'sap.sandbox:mcpServer:travel:v1'
}

AfterAll {
    Invoke-AgwSandboxAdmin $sb schema -Query @{ revision = 1; listTtlMs = -1 } | Out-Null
    Disconnect-AgwTestSandbox $sb
}

Describe 'A long session with changing users (soak)' {
    It 'keeps at most MaxMcpSessionCount sessions open over 2,000 calls whose user JWT changes every 10 calls, and DELETEs every one it closes' {
        $bound = 8
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -MaxMcpSessionCount $bound
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $baseline = (Get-AgwSandboxStats $sb).openSessions
        $mostOpen = 0
        $failures = 0
        for ($i = 0; $i -lt 2000; $i++) {
            if ($i % 10 -eq 0) {
                $user = ConvertTo-SecureString (New-AgwSandboxUserJwt $sb -Subject "soak-user-$i") -AsPlainText -Force
                $open = (Get-AgwSandboxStats $sb).openSessions - $baseline
                if ($open -gt $mostOpen) { $mostOpen = $open }
            }

            $result = Invoke-McpTool -OrdId $travel -Name echo -Arguments @{ message = "m$i" } -UserToken $user -ErrorAction SilentlyContinue
            if ($result.Text -ne "m$i") { $failures++ }
        }

        Clear-AgwTokenCache   # closes the pooled sessions too
        $stats = Get-AgwSandboxStats $sb
        $failures | Should -Be 0
        $stats.toolsCall | Should -Be 2000
        $mostOpen | Should -BeLessOrEqual $bound
        $stats.initialize | Should -Be 200 -Because 'one session per user JWT, each set up once'
        $stats.sessionDeletes | Should -Be $stats.initialize -Because 'every session closed, by the bound or by the clear, was DELETEd'
        $stats.openSessions | Should -Be $baseline
    }
}

Describe 'Tool listings used for argument checks are advice' {
    It 'lists nothing for a check that passes against the listing it has; a current listing decides; a failing check against an older one is checked against a fresh listing' {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -ToolListCacheSec 0.5
        try {
            Invoke-McpTool -OrdId $travel -Name inspect-arguments -Arguments @{ count = 1 } | Should -Not -BeNullOrEmpty
            Invoke-AgwSandboxAdmin $sb schema -Query @{ revision = 2 } | Out-Null   # inspect-arguments now requires 'name'
            Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
            Invoke-McpTool -OrdId $travel -Name inspect-arguments -Arguments @{ count = 2 } | Should -Not -BeNullOrEmpty -Because 'the listing the runspace has accepts it'
            (Get-AgwSandboxStats $sb).toolsList | Should -Be 0

            $null = Get-McpTool -OrdId $travel   # the runspace now has the listing of revision 2
            $err = { Invoke-McpTool -OrdId $travel -Name inspect-arguments -Arguments @{ count = 3 } -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
            $err.ToString() | Should -BeLike "*'name'*"

            Invoke-AgwSandboxAdmin $sb schema -Query @{ revision = 1 } | Out-Null   # 'name' optional again
            Start-Sleep -Milliseconds 600   # the listing is past ToolListCacheSec: advice now, no longer the verdict
            Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
            Invoke-McpTool -OrdId $travel -Name inspect-arguments -Arguments @{ count = 4 } | Should -Not -BeNullOrEmpty -Because 'the fresh listing decides'
            (Get-AgwSandboxStats $sb).toolsList | Should -Be 1
        }
        finally {
            Invoke-AgwSandboxAdmin $sb schema -Query @{ revision = 1 } | Out-Null
        }
    }
}

Describe 'Failures are never handed on' {
    It 'reaches the token service again after a failed setup, and every error is a fresh ErrorRecord in $Error' {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 2; status = 400; error = 'invalid_client' } | Out-Null
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $Error.Clear()
        Invoke-McpTool -OrdId $travel -Name ping -ErrorAction SilentlyContinue
        Invoke-McpTool -OrdId $travel -Name ping -ErrorAction SilentlyContinue
        $Error.Count | Should -Be 2
        [object]::ReferenceEquals($Error[0].Exception, $Error[1].Exception) | Should -BeFalse
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 2
        (Invoke-McpTool -OrdId $travel -Name ping).Text | Should -Be 'pong from sandbox-travel'
    }
}

Describe 'The transport rule' {
    It 'refuses credentials whose <Field> is plain http to a remote host, naming the field, before any request' -ForEach @(
        @{ Field = 'tokenServiceUrl' }
        @{ Field = 'gatewayUrl' }
    ) {
        $credentials = Get-Content -Raw (Join-Path $sb.bindingPath 'credentials') | ConvertFrom-Json
        $credentials.$Field = 'http://agw.example.invalid/x'
        $root = Join-Path $TestDrive "insecure-$Field"
        New-Item -ItemType Directory (Join-Path $root 'binding') -Force | Out-Null
        'integration-credentials' | Set-Content (Join-Path $root 'binding' 'type')
        $path = Join-Path $root 'binding' 'credentials'
        $credentials | ConvertTo-Json -Depth 5 | Set-Content $path
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $saved = $env:SERVICE_BINDING_ROOT
        try {
            # Loaded on first use, from a service binding: InsecureTransport, naming the field.
            $env:SERVICE_BINDING_ROOT = $root
            Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -CredentialPath ''   # loads credentials anew
            $err = { Get-McpTool -OrdId $travel -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'InsecureTransport,*'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $err.ToString() | Should -BeLike "*'$Field'*"

            # Given to Set-AgwClientConfig, which loads the file at once: refused there, naming the field.
            $setErr = { Set-AgwClientConfig -CredentialPath $path -ErrorAction Stop } | Should -Throw -PassThru
            $setErr.ToString() | Should -BeLike "*'$Field'*plain http*"
            (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 0
        }
        finally {
            $env:SERVICE_BINDING_ROOT = $saved
            Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -CredentialPath ''
        }
    }
}

Describe 'TLS failures say what happened; what to type is the recommended action' {
    AfterAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath -CredentialPath ''
    }

    It 'names the token service''s untrusted chain, and recommends -TrustedCaPath' {
        Set-AgwClientConfig -Reset -CredentialPath ''   # no TrustedCaPath: the sandbox CA is not trusted
        Clear-AgwTokenCache
        $err = { Get-AgwAccessToken -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        "$err" | Should -BeLike '*not trusted by the system store*'
        "$err" | Should -Not -Match 'Set-AgwClientConfig|TrustedCaPath' -Because 'the engine says what happened'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Set-AgwClientConfig -TrustedCaPath' -Because 'what to type comes from the cmdlet layer'
    }

    It 'names the gateway''s untrusted chain, and recommends -TrustedCaPath' {
        # Without credentials, a given token goes to the gateway itself: the handshake with it is what fails.
        $saved = $env:SERVICE_BINDING_ROOT
        try {
            $env:SERVICE_BINDING_ROOT = Join-Path $TestDrive 'no-bindings'
            Set-AgwClientConfig -Reset -CredentialPath ''
            $uri = "$($sb.gatewayUrl)/v1/mcp/$([uri]::EscapeDataString($travel))/$($sb.dependencies[0].globalTenantId)"
            $err = { Invoke-McpTool -Name ping -Uri $uri -AccessToken 'given' -SkipSchemaValidation -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'McpServerUnreachable,*'
            "$err" | Should -BeLike '*refused by this client*'
            "$err" | Should -Not -Match 'Set-AgwClientConfig|TrustedCaPath'
            $err.ErrorDetails.RecommendedAction | Should -Match 'Set-AgwClientConfig -TrustedCaPath'
        }
        finally {
            $env:SERVICE_BINDING_ROOT = $saved
        }
    }
}

Describe 'Input shape' {
    BeforeAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
    }

    It 'refuses a -UserToken that is not a JWT before any request, without echoing it' {
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $secret = 'not-a-jwt-but-secret-0123456789'
        $err = { Invoke-McpTool -OrdId $travel -Name ping -UserToken (ConvertTo-SecureString $secret -AsPlainText -Force) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'UserTokenInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.ToString() | Should -BeLike '*three parts*'
        $err.ToString() | Should -Not -BeLike "*$secret*"
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $stats = Get-AgwSandboxStats $sb
        $stats.jwtBearer | Should -Be 0
        $stats.mcpRequests | Should -Be 0
    }

    It 'refuses <Case> in -Arguments as InvalidArgument naming the property path' -ForEach @(
        @{ Case = 'a scriptblock'; Arguments = @{ x = { 1 } }; Path = "'x'" }
        @{ Case = 'a process, nested'; Arguments = @{ outer = @{ inner = [System.Diagnostics.Process]::GetCurrentProcess() } }; Path = "'outer.inner'" }
        @{ Case = 'a stream in an array'; Arguments = @{ list = @(1, [System.IO.MemoryStream]::new()) }; Path = "'list[1]'" }
    ) {
        $err = { Invoke-McpTool -OrdId $travel -Name echo -Arguments $Arguments -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        $err.ToString().Contains($Path) | Should -BeTrue -Because $err.ToString()
        $err.ToString() | Should -BeLike '*not data*'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'shows the claims of cached tokens, never the token' {
        Clear-AgwTokenCache
        Invoke-McpTool -OrdId $travel -Name ping | Out-Null
        $entry = Get-AgwTokenCache | Select-Object -First 1
        $entry.Subject | Should -Be $sb.clientId
        $entry.Issuer | Should -Not -BeNullOrEmpty
        $entry.Audience | Should -Be 'agent-gateway'
        $entry.IssuedAt | Should -BeOfType [datetimeoffset]
        $entry.ExpiresOn | Should -BeGreaterThan $entry.ExpiresAt
    }
}

Describe 'Tokens that arrive expired' {
    It 'are never sent, and the error gives the expiry returned and the buffer in force' {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb token -Query @{ lifetimeSec = -60 } | Out-Null
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        try {
            $err = { Invoke-McpTool -OrdId $travel -Name ping -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'TokenExpiredOnArrival,*'
            $err.ToString() | Should -BeLike '*expiry buffer of 60 s*'
            (Get-AgwSandboxStats $sb).mcpRequests | Should -Be 0
        }
        finally {
            Invoke-AgwSandboxAdmin $sb token -Query @{ lifetimeSec = 3600 } | Out-Null
        }
    }
}

Describe 'Server certificates the client refuses' {
    # Real sandbox HTTPS listeners: clientAuthOnlyUrl presents a certificate of the sandbox CA valid only for client
    # authentication (defect 3); untrustedChainUrl a server certificate of a CA the client is not given.
    BeforeAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        $script:token = ConvertTo-SecureString 'a-bearer-that-must-stay-here' -AsPlainText -Force
    }

    It 'refuses <Case>, naming <Status> and the host, sends no bearer token and does not retry' -ForEach @(
        @{ Case = 'a server certificate of the TrustedCaPath CA valid only for client authentication'; Url = 'clientAuthOnlyUrl'; Status = 'NotValidForUsage' }
        @{ Case = 'a server chain to a CA the client does not trust'; Url = 'untrustedChainUrl'; Status = 'UntrustedRoot|PartialChain' }
    ) {
        $base = [uri]$sb.$Url
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $err = { Invoke-McpTool -Uri "$base/v1/mcp/some-server/some-tenant" -Name ping -AccessToken $token -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'McpServerUnreachable,*'
        $err.ToString() | Should -Match $Status
        $err.ToString() | Should -BeLike "*$($base.Authority)*"
        ($err.ToString() + ' ' + $err.ErrorDetails.RecommendedAction) | Should -BeLike '*TrustedCaPath*'
        $stats = Get-AgwSandboxStats $sb
        $stats.misfitRequests | Should -Be 0
        $stats.misfitBearerRequests | Should -Be 0
        $stats.misfitTlsHandshakes | Should -Be 1 -Because 'a certificate failure is not retried'
    }
}

Describe 'Token-service retries in -Verbose' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 2; status = 503 } | Out-Null
    }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 0 } | Out-Null
    }

    It 'shows each retried attempt of <Command> with its cause, once' -ForEach @(
        @{ Command = 'Invoke-McpTool'; Run = { Invoke-McpTool -OrdId $travel -Name ping -Verbose 4>&1 } }
        # Listings of every dependency at once: their token requests share one fetch, whose attempts are told once.
        @{ Command = 'Get-McpTool'; Run = { Get-McpTool -Verbose -ErrorAction SilentlyContinue 4>&1 } }
    ) {
        $verbose = & $Run | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $attempts = @($verbose | Where-Object { $_ -match 'Token request .* attempt \d+ failed' })
        $attempts.Count | Should -Be 2 -Because ($verbose -join "`n")
        $attempts[0] | Should -Match 'attempt 1 failed: HTTP 503 \(ServiceUnavailable\); retrying in'
        $attempts[1] | Should -Match 'attempt 2 failed: HTTP 503 \(ServiceUnavailable\); retrying in'
        (Get-AgwSandboxStats $sb).injectedFailures | Should -Be 2
    }
}
