# Client credentials for an MCP server outside the gateway (issue 24, SEP-1046), through the cmdlets: Set-AgwOAuthClient
# -GrantType ClientCredentials with a secret (a PSCredential, as SecretManagement's Get-Secret gives) or a key that signs
# client assertions (PEM, PFX), against the sandbox's OpenIddict authorization server; no person, no handler.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $as = $sb.authorizationServer
    $script:secret = ConvertTo-SecureString $as.machineClientSecret -AsPlainText -Force
    $script:machine = [pscredential]::new($as.machineClientId, $script:secret)
    function Get-AsStats { Invoke-AgwSandboxAdmin $sb 'authorization/stats' -Method Get }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Client credentials with -Uri' {
    BeforeEach {
        Clear-AgwTokenCache
    }

    It 'gets a token with the secret of a PSCredential, never a sign-in, and shows it in the cache as ClientCredentials' {
        Set-AgwOAuthClient -Issuer $as.issuer -GrantType ClientCredentials -Credential $machine
        $before = (Get-AsStats).clientCredentialsGrants

        $result = Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction Stop
        $result.Text | Should -BeLike "$($as.machineClientId)*"
        Get-McpTool -Uri $as.headerEndpoint -ErrorAction Stop | Select-Object -ExpandProperty Name | Should -Contain 'whoami'

        (Get-AsStats).clientCredentialsGrants | Should -Be ($before + 1)
        (Get-AsStats).lastClientAuthentication | Should -Be 'basic'
        $entry = Get-AgwTokenCache -Kind ClientCredentials
        @($entry).Count | Should -Be 1
        $entry.Issuer | Should -Be $as.issuer
        $entry.ClientId | Should -Be $as.machineClientId
        ($entry | Format-List * | Out-String) | Should -Not -Match 'eyJ'

        $client = Get-AgwOAuthClient -Issuer $as.issuer
        $client.GrantType | Should -Be 'ClientCredentials'
        $client.HasClientSecret | Should -BeTrue
        ($client | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($as.machineClientSecret))
    }

    It 'signs client assertions with a PEM key (<name>) and a PFX with its password' -TestCases @(
        @{ name = 'RS256'; id = 'rsaAssertionClientId'; path = 'rsaKeyPemPath' }
        @{ name = 'ES256'; id = 'ecAssertionClientId'; path = 'ecKeyPemPath' }
    ) {
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.$id -GrantType ClientCredentials -ClientAssertionKeyPath $as.$path
        (Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction Stop).Text | Should -BeLike "$($as.$id)*"
        (Get-AsStats).lastClientAuthentication | Should -Be 'private_key_jwt'
        $client = Get-AgwOAuthClient -Issuer $as.issuer
        $client.ClientAssertionKey | Should -Match "^$name key [0-9a-f]{8}$"
        $client.HasClientSecret | Should -BeFalse

        Clear-AgwTokenCache
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.rsaAssertionClientId -GrantType ClientCredentials `
            -ClientAssertionKeyPath $as.rsaKeyPfxPath -ClientAssertionKeyPassword (ConvertTo-SecureString $as.clientKeyPfxPassword -AsPlainText -Force)
        (Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction Stop).Text | Should -BeLike "$($as.rsaAssertionClientId)*"
    }

    It 'runs the grant again once after a 401 and resends' {
        Set-AgwOAuthClient -Issuer $as.issuer -GrantType ClientCredentials -Credential $machine
        Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction Stop | Out-Null
        $first = (Get-AgwTokenCache -Kind ClientCredentials).Fingerprint
        $before = (Get-AsStats).clientCredentialsGrants
        Invoke-AgwSandboxAdmin $sb 'authorization/revoke' | Out-Null

        (Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction Stop).Text | Should -BeLike "$($as.machineClientId)*"
        (Get-AsStats).clientCredentialsGrants | Should -Be ($before + 1)
        (Get-AgwTokenCache -Kind ClientCredentials).Fingerprint | Should -Not -Be $first
    }

    It 'keeps the secret, the key and the tokens out of a transcript of a verbose session' {
        $transcript = Join-Path $TestDrive 'cc-transcript.txt'
        $keyLine = (Get-Content $as.rsaKeyPemPath)[1]
        Start-Transcript -Path $transcript | Out-Null
        try {
            $all = & {
                Set-AgwOAuthClient -Issuer $as.issuer -GrantType ClientCredentials -Credential $machine -PassThru -Verbose
                Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -Verbose
                Clear-AgwTokenCache
                Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.rsaAssertionClientId -GrantType ClientCredentials -ClientAssertionKeyPath $as.rsaKeyPemPath -PassThru -Verbose
                Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -Verbose
                Get-AgwTokenCache -Kind ClientCredentials | Format-List *
                Get-AgwClientConfig | Format-List *
            } *>&1 | Out-String -Width 500
            $all | Write-Host
        }
        finally {
            Stop-Transcript | Out-Null
        }

        $text = $all + (Get-Content -Raw $transcript)
        $text | Should -Match ([regex]::Escape($as.rsaAssertionClientId)) -Because 'the session ran and was transcribed'
        foreach ($secret in $as.machineClientSecret, $keyLine, 'PRIVATE KEY', 'eyJ') {
            $text | Should -Not -Match ([regex]::Escape($secret))
        }
    }

    It 'refuses a wrong secret with ClientCredentialsRefused, saying what to do, and no output, verbose line or error shows the secret or an assertion' {
        $wrong = 'wrong-machine-secret-value'
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.machineClientId -ClientSecret (ConvertTo-SecureString $wrong -AsPlainText -Force) -GrantType ClientCredentials
        $err = $null
        $all = Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -Verbose -ErrorAction SilentlyContinue -ErrorVariable err 4>&1 | Out-String
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCredentialsRefused*'
        $err[0].Exception.OAuthError | Should -Be 'invalid_client'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Set-AgwOAuthClient'
        $text = $all + ($err | Format-List * -Force | Out-String) + ($err[0].Exception | Format-List * -Force | Out-String)
        $text | Should -Not -Match $wrong
        $text | Should -Not -Match 'eyJ'

        # With the key: the verbose story of a good call shows the key's fingerprint, never the assertion or the key.
        Clear-AgwTokenCache
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.rsaAssertionClientId -GrantType ClientCredentials -ClientAssertionKeyPath $as.rsaKeyPemPath
        $verbose = Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -Verbose -ErrorAction Stop 4>&1 | Out-String
        $verbose | Should -Match 'RS256 key [0-9a-f]{8}'
        $verbose | Should -Not -Match 'eyJ'
        $verbose | Should -Not -Match 'PRIVATE KEY'
    }

    It 'refuses an unusable key file with ClientAssertionKeyInvalid and a client credentials client without a secret or key' {
        $err = $null
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId x -GrantType ClientCredentials -ClientAssertionKeyPath (Join-Path $TestDrive 'missing.pem') -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientAssertionKeyInvalid*'

        $err = $null
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId x -GrantType ClientCredentials -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
    }
}
