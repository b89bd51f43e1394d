# The token cmdlets end to end against the sandbox gateway: Get-AgwAccessToken, Get-AgwTokenCache,
# Clear-AgwTokenCache, the cache bound of Set-AgwClientConfig, and what Get-AgwClientConfig shows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Get-AgwAccessToken' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'returns the system token as a SecureString with its kind, expiry, gateway and fingerprint' {
        $token = Get-AgwAccessToken
        $token | Should -HaveCount 1
        $token.Kind | Should -Be 'System'
        $token.Token | Should -BeOfType [securestring]
        $token.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $token.GatewayUrl.AbsoluteUri.TrimEnd('/') | Should -Be $sb.gatewayUrl
        $plain = ConvertFrom-AgwTestSecureString $token.Token
        $plain | Should -Not -BeNullOrEmpty
        $token.Fingerprint | Should -Be (Get-AgwTestFingerprint $plain)
        "$token" | Should -Not -Match ([regex]::Escape($plain))
    }

    It 'returns a string with -AsPlainText, the same token as the SecureString' {
        $secure = Get-AgwAccessToken
        $token = Get-AgwAccessToken -AsPlainText
        $token.Token | Should -BeOfType [string]
        $token.Token | Should -Be (ConvertFrom-AgwTestSecureString $secure.Token)
        $token.Fingerprint | Should -Be (Get-AgwTestFingerprint $token.Token)
        $token.Token.Split('.') | Should -HaveCount 3 -Because 'the sandbox issues JWT access tokens'
    }

    It 'serves the second call from the cache (no new token request)' {
        $first = Get-AgwAccessToken -AsPlainText
        (Get-AgwSandboxStats $sb).clientCredentials | Should -Be 1
        $second = Get-AgwAccessToken -AsPlainText
        $second.Token | Should -Be $first.Token
        $stats = Get-AgwSandboxStats $sb
        $stats.clientCredentials | Should -Be 1
        $stats.tokenRequests | Should -Be 1
    }

    It 'exchanges a user JWT given as a string: Kind User and one jwt-bearer request' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'alice'
        $token = Get-AgwAccessToken -UserToken $jwt -AsPlainText
        $token.Kind | Should -Be 'User'
        $token.Token | Should -Not -Be $jwt
        $token.Fingerprint | Should -Be (Get-AgwTestFingerprint $token.Token)
        $token.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $stats = Get-AgwSandboxStats $sb
        $stats.jwtBearer | Should -Be 1
        $stats.clientCredentials | Should -Be 0
        (Get-AgwAccessToken -UserToken $jwt -AsPlainText).Token | Should -Be $token.Token
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1 -Because 'the same user JWT is served from the cache'
    }

    It 'exchanges a user JWT given as a SecureString, and shares the cache entry with the string form' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'bob'
        $secureJwt = ConvertTo-SecureString $jwt -AsPlainText -Force
        $token = Get-AgwAccessToken -UserToken $secureJwt
        $token.Kind | Should -Be 'User'
        $token.Token | Should -BeOfType [securestring]
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1
        $again = Get-AgwAccessToken -UserToken $jwt
        $again.Fingerprint | Should -Be $token.Fingerprint
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1
    }

    It 'keeps the tokens of two users apart' {
        $alice = Get-AgwAccessToken -UserToken (New-AgwSandboxUserJwt $sb -Subject 'alice')
        $bob = Get-AgwAccessToken -UserToken (New-AgwSandboxUserJwt $sb -Subject 'bob')
        $bob.Fingerprint | Should -Not -Be $alice.Fingerprint
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 2
    }
}

Describe 'Get-AgwTokenCache' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'lists one entry per cached token with kind, fingerprint, expiry and time left, and never the token' {
        $jwt = New-AgwSandboxUserJwt $sb
        $system = Get-AgwAccessToken -AsPlainText
        $user = Get-AgwAccessToken -UserToken $jwt -AsPlainText

        $entries = @(Get-AgwTokenCache)
        $entries | Should -HaveCount 2
        $systemEntry = $entries | Where-Object Kind -EQ 'System'
        $userEntry = $entries | Where-Object Kind -EQ 'User'
        $systemEntry.Fingerprint | Should -Be $system.Fingerprint
        $userEntry.Fingerprint | Should -Be $user.Fingerprint
        foreach ($entry in $entries) {
            $entry.ExpiresAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
            $entry.Remaining | Should -BeGreaterThan ([timespan]::Zero)
            $entry.Remaining | Should -BeLessOrEqual ([timespan]::FromHours(1))
        }

        $shown = ($entries | Format-List * | Out-String) + ($entries | ConvertTo-Json -Depth 5)
        foreach ($secret in $system.Token, $user.Token, $jwt) {
            $shown | Should -Not -Match ([regex]::Escape($secret))
        }
    }

    It '-Kind shows only entries of that kind' {
        $null = Get-AgwAccessToken
        $null = Get-AgwAccessToken -UserToken (New-AgwSandboxUserJwt $sb)
        @(Get-AgwTokenCache -Kind User).Kind | Should -Be @('User')
        @(Get-AgwTokenCache -Kind System).Kind | Should -Be @('System')
    }

    It 'lists nothing after Clear-AgwTokenCache' {
        $null = Get-AgwAccessToken
        Clear-AgwTokenCache
        Get-AgwTokenCache | Should -BeNullOrEmpty
    }

    It '-Statistics counts a miss and a token request for a fetch, a hit for a cached token' {
        $before = Get-AgwTokenCache -Statistics
        $null = Get-AgwAccessToken
        $afterFetch = Get-AgwTokenCache -Statistics
        $afterFetch.Misses | Should -Be ($before.Misses + 1)
        $afterFetch.TokenRequests | Should -Be ($before.TokenRequests + 1)
        $afterFetch.Hits | Should -Be $before.Hits
        $afterFetch.SystemEntries | Should -Be 1

        $null = Get-AgwAccessToken
        $null = Get-AgwAccessToken
        $afterHits = Get-AgwTokenCache -Statistics
        $afterHits.Hits | Should -Be ($afterFetch.Hits + 2)
        $afterHits.Misses | Should -Be $afterFetch.Misses
        $afterHits.TokenRequests | Should -Be $afterFetch.TokenRequests

        $null = Get-AgwAccessToken -UserToken (New-AgwSandboxUserJwt $sb)
        $afterUser = Get-AgwTokenCache -Statistics
        $afterUser.TokenRequests | Should -Be ($afterHits.TokenRequests + 1)
        $afterUser.UserEntries | Should -Be 1
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 2 -Because 'the module counts what the token service saw'
    }

    It 'Clear-AgwTokenCache -Statistics sets the counters to 0 and keeps the tokens' {
        $null = Get-AgwAccessToken
        $null = Get-AgwAccessToken
        $counted = Get-AgwTokenCache -Statistics
        $counted.Hits + $counted.Misses | Should -BeGreaterThan 0

        Clear-AgwTokenCache -Statistics -WhatIf
        (Get-AgwTokenCache -Statistics).Misses | Should -Be $counted.Misses
        Clear-AgwTokenCache -Statistics

        $reset = Get-AgwTokenCache -Statistics
        $reset.Hits, $reset.Misses, $reset.TokenRequests, $reset.Renewals, $reset.Evictions, $reset.Invalidations, $reset.SessionEnds | Should -Be @(0, 0, 0, 0, 0, 0, 0)
        $reset.SystemEntries | Should -Be 1 -Because 'the cached token stays'
        $null = Get-AgwAccessToken
        $after = Get-AgwTokenCache -Statistics
        $after.Hits | Should -Be 1 -Because 'the kept token answers, counted from zero'
        $after.TokenRequests | Should -Be 0
    }
}

Describe 'Clear-AgwTokenCache' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
        $jwt = New-AgwSandboxUserJwt $sb
        $system = Get-AgwAccessToken
        $user = Get-AgwAccessToken -UserToken $jwt
    }

    It 'makes the next Get-AgwAccessToken fetch a fresh token' {
        Clear-AgwTokenCache
        $fresh = Get-AgwAccessToken
        $fresh.Fingerprint | Should -Not -Be $system.Fingerprint
        (Get-AgwSandboxStats $sb).clientCredentials | Should -Be 2
    }

    It '-System drops system tokens and keeps user tokens' {
        Clear-AgwTokenCache -System
        @(Get-AgwTokenCache).Kind | Should -Be @('User')
        (Get-AgwAccessToken -UserToken $jwt).Fingerprint | Should -Be $user.Fingerprint
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1
        (Get-AgwAccessToken).Fingerprint | Should -Not -Be $system.Fingerprint
        (Get-AgwSandboxStats $sb).clientCredentials | Should -Be 2
    }

    It '-User drops user tokens and keeps system tokens' {
        Clear-AgwTokenCache -User
        @(Get-AgwTokenCache).Kind | Should -Be @('System')
        (Get-AgwAccessToken).Fingerprint | Should -Be $system.Fingerprint
        (Get-AgwSandboxStats $sb).clientCredentials | Should -Be 1
        (Get-AgwAccessToken -UserToken $jwt).Fingerprint | Should -Not -Be $user.Fingerprint
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 2
    }

    It 'counts the tokens that end the pooled MCP sessions as SessionEnds, not as Hits' {
        $null = Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:crm:v1' -Name ping
        $before = Get-AgwTokenCache -Statistics
        Clear-AgwTokenCache
        $after = Get-AgwTokenCache -Statistics
        $after.SessionEnds | Should -BeGreaterThan $before.SessionEnds -Because 'the pooled session ended with a DELETE that carried a token'
        $after.Hits | Should -Be $before.Hits -Because 'no call looked a token up'
        $after.Misses | Should -Be $before.Misses
    }

    It '-WhatIf clears nothing' {
        Clear-AgwTokenCache -WhatIf
        Clear-AgwTokenCache -System -WhatIf
        @(Get-AgwTokenCache) | Should -HaveCount 2
        (Get-AgwAccessToken).Fingerprint | Should -Be $system.Fingerprint
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 2
    }
}

Describe 'Clear-AgwTokenCache with open MCP sessions' {
    BeforeEach {
        $travel = 'sap.sandbox:mcpServer:travel:v1'
        Reset-AgwTestState
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'erin'
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'system session' }
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'user session' } -UserToken $jwt
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'leaves the cache empty and requests no token' {
        Clear-AgwTokenCache
        Get-AgwTokenCache | Should -BeNullOrEmpty
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 0 -Because 'clearing the cache must not fetch tokens (e.g. to end MCP sessions)'
    }

    It '-User leaves no user token and requests none' {
        Clear-AgwTokenCache -User
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 0
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 0
    }

    It 'makes the next call fetch a fresh token and start a new session' {
        $before = (Get-AgwTokenCache -Kind System).Fingerprint
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after clear' }
        $stats = Get-AgwSandboxStats $sb
        $stats.clientCredentials | Should -Be 1
        $stats.initialize | Should -Be 1
        (Get-AgwTokenCache -Kind System).Fingerprint | Should -Not -Be $before
    }
}

Describe 'Set-AgwClientConfig and the token cache' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
    }

    AfterEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
    }

    It 'trims the user tokens at once when MaxUserTokenCacheSize shrinks (3 cached, size 1: 1 left)' {
        $null = Get-AgwAccessToken
        foreach ($user in 'u1', 'u2', 'u3') {
            $null = Get-AgwAccessToken -UserToken (New-AgwSandboxUserJwt $sb -Subject $user)
        }
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 3

        Set-AgwClientConfig -MaxUserTokenCacheSize 1
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 1
        @(Get-AgwTokenCache -Kind System) | Should -HaveCount 1 -Because 'the user bound does not touch system tokens'
        (Get-AgwTokenCache -Statistics).UserEntries | Should -Be 1
    }

    It 'keeps the cached tokens when an unrelated setting changes' {
        $token = Get-AgwAccessToken
        Set-AgwClientConfig -TimeoutSec 30
        @(Get-AgwTokenCache).Fingerprint | Should -Be @($token.Fingerprint)
    }

    It 'reloads the credentials when -CredentialPath is given again, even the same path' {
        $file = Join-Path $TestDrive 'explicit-credentials.json'
        Copy-Item (Join-Path $sb.bindingPath 'credentials') $file
        Set-AgwClientConfig -CredentialPath $file
        $first = Get-AgwAccessToken
        (Get-AgwClientConfig).CredentialSource | Should -Be 'Explicit'

        Set-AgwClientConfig -CredentialPath $file
        Get-AgwTokenCache | Should -BeNullOrEmpty -Because 'the tokens of the old credentials go with them'
        (Get-AgwAccessToken).Fingerprint | Should -Not -Be $first.Fingerprint
    }
}

Describe 'Get-AgwClientConfig with the sandbox binding' {
    BeforeAll {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        $config = Get-AgwClientConfig
    }

    It 'resolves the client id, token service, gateway and standard (mTLS) mode from the binding' {
        $config.CredentialSource | Should -Be 'ServiceBinding'
        $config.ClientId | Should -Be $sb.clientId
        $config.TokenServiceUrl | Should -Be ([uri]$sb.tokenServiceUrl)
        $config.GatewayUrl.AbsoluteUri.TrimEnd('/') | Should -Be $sb.gatewayUrl
        "$($config.Mode)" | Should -Be 'Standard'
        $config.CredentialError | Should -BeNullOrEmpty
    }

    It 'shows when the sandbox''s client certificate expires, without a warning (90 days)' {
        $warnings = $null
        $fresh = Get-AgwClientConfig -WarningVariable warnings -WarningAction SilentlyContinue
        $fresh.CertificateNotAfter | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddDays(14))
        $fresh.CertificateDaysLeft | Should -BeGreaterOrEqual 14
        $fresh.CertificateSubject | Should -Match "CN=$([regex]::Escape($sb.clientId))"
        @($warnings) | Should -HaveCount 0
    }

    It 'lists the integration dependencies of the binding' {
        $config.Dependencies | Should -HaveCount $sb.dependencies.Count
        $config.Dependencies.OrdId | Should -Be $sb.dependencies.ordId
        $config.Dependencies.GlobalTenantId | Should -Be $sb.dependencies.globalTenantId
    }

    It 'shows the client id, gateway URL and dependencies in its default display' {
        $shown = $config | Out-String -Width 250
        $shown | Should -Match ([regex]::Escape($sb.clientId))
        $shown | Should -Match ([regex]::Escape($sb.gatewayUrl))
        $shown | Should -Match ([regex]::Escape($sb.dependencies[0].ordId))
    }

    It 'never shows PEM text or the private key, however it is formatted' {
        $credentials = Get-Content -Raw (Join-Path $sb.bindingPath 'credentials') | ConvertFrom-Json
        $keyBody = ($credentials.privateKey -split "`n" | Where-Object { $_ -and $_ -notmatch '-----' })[0].Trim()
        $certBody = ($credentials.certificate -split "`n" | Where-Object { $_ -and $_ -notmatch '-----' })[0].Trim()
        foreach ($shown in @(
                ($config | Out-String -Width 250),
                ($config | Format-List * | Out-String -Width 250),
                ($config.Credentials | Format-List * | Out-String -Width 250),
                ($config | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue))) {
            $shown | Should -Not -Match 'BEGIN'
            $shown | Should -Not -Match ([regex]::Escape($keyBody))
            $shown | Should -Not -Match ([regex]::Escape($certBody))
        }
    }
}

Describe 'Refused token requests' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 0 }
    }

    It 'reports a refused system token request as TokenRequestFailed with the OAuth error, and recovers' {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_client' }
        $err = { Get-AgwAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'TokenRequestFailed*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Match '400'
        "$err" | Should -Match 'invalid_client'
        Get-AgwTokenCache | Should -BeNullOrEmpty
        (Get-AgwAccessToken).Kind | Should -Be 'System'
    }

    It 'does not blame a user JWT when a system token request gets invalid_grant' {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_grant' }
        $err = { Get-AgwAccessToken -ErrorAction Stop } | Should -Throw -ErrorId 'TokenRequestFailed*' -PassThru
        "$err" | Should -Match 'invalid_grant'
        "$err" | Should -Not -Match "user's JWT" -Because 'a system token request (client_credentials) carries no user JWT'
    }

    It 'reports a refused user token exchange as TokenRequestFailed' {
        $jwt = New-AgwSandboxUserJwt $sb
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_grant' }
        $err = { Get-AgwAccessToken -UserToken $jwt -ErrorAction Stop } | Should -Throw -ErrorId 'TokenRequestFailed*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Match 'invalid_grant'
        "$err" | Should -Not -Match ([regex]::Escape($jwt))
    }
}
