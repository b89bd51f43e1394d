# Enterprise-managed authorization (ID-JAG) for an MCP server outside the gateway (issue 24), through the cmdlets:
# the user's ID token is exchanged at the sandbox's identity provider for an ID-JAG, which the sandbox's OpenIddict
# authorization server redeems (jwt-bearer) for a token of the MCP endpoint it protects. No browser, no handler.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $ent = $sb.enterprise

    # A user signed in at the identity provider: the sandbox issues the ID token at once.
    function Get-TestIdToken([string] $Subject) {
        (Invoke-RestMethod -Method Post -Uri "$($ent.idTokenUrl)?sub=$Subject" -SkipCertificateCheck).id_token
    }

    function Get-TestIdpStats {
        Invoke-RestMethod -Method Get -Uri $ent.statsUrl -SkipCertificateCheck
    }

    function Set-TestEnterpriseClient {
        param([string] $ClientSecret = $ent.clientSecret, [scriptblock] $UserTokenProvider)
        $p = @{
            Issuer                       = $ent.issuer
            ClientId                     = $ent.clientId
            ClientSecret                 = $ClientSecret
            IdentityProvider             = $ent.identityProvider
            IdentityProviderClientSecret = $ent.identityProviderClientSecret
        }
        if ($UserTokenProvider) { $p.UserTokenProvider = $UserTokenProvider }
        Set-AgwOAuthClient @p
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Enterprise-managed authorization with -UserToken' {
    BeforeEach {
        Clear-AgwTokenCache
        Set-TestEnterpriseClient
    }

    It 'lists and calls with the user''s token exchanged once, and shows it in the cache as EnterpriseManaged with its issuer' {
        $bob = Get-TestIdToken bob
        $before = Get-TestIdpStats

        $tools = Get-McpTool -Uri $ent.endpoint -UserToken $bob -ErrorAction Stop
        $result = Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken $bob -ErrorAction Stop

        $tools.Name | Should -Contain 'whoami'
        $result.Text | Should -BeLike 'bob*'
        $after = Get-TestIdpStats
        $after.exchanges - $before.exchanges | Should -Be 1
        $after.redemptions - $before.redemptions | Should -Be 1
        $entry = Get-AgwTokenCache -Kind EnterpriseManaged
        @($entry).Count | Should -Be 1
        $entry.Kind | Should -Be 'EnterpriseManaged'
        $entry.Issuer | Should -Be $ent.issuer
        $entry.ClientId | Should -Be $ent.clientId
        "$($entry.Endpoint)" | Should -Be $ent.endpoint
    }

    It 'renews the token once after a 401 and the call succeeds' {
        $carol = Get-TestIdToken carol
        Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken $carol -ErrorAction Stop | Out-Null
        $first = (Get-AgwTokenCache -Kind EnterpriseManaged).Fingerprint
        $before = Get-TestIdpStats
        Invoke-RestMethod -Method Post -Uri $ent.revokeUrl -SkipCertificateCheck | Out-Null

        $result = Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken $carol -ErrorAction Stop

        $result.Text | Should -BeLike 'carol*'
        (Get-TestIdpStats).exchanges - $before.exchanges | Should -Be 1
        (Get-AgwTokenCache -Kind EnterpriseManaged).Fingerprint | Should -Not -Be $first
    }

    It 'names step 1 and the identity provider when the identity provider refuses' {
        $err = $null
        Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken (Get-TestIdToken $ent.deniedSubject) -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EnterpriseTokenExchangeFailed*'
        $err[0].Exception.Message | Should -Match 'step 1'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($ent.identityProvider))
        $err[0].Exception.Message | Should -Match 'invalid_grant'
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-IdentityProvider'
    }

    It 'names step 2 and the authorization server when it refuses the ID-JAG' {
        Set-TestEnterpriseClient -ClientSecret 'not-the-client-secret'
        $err = $null
        Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken (Get-TestIdToken dave) -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EnterpriseGrantRefused*'
        $err[0].Exception.Message | Should -Match 'step 2'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($ent.issuer))
        $err[0].Exception.Message | Should -Match 'invalid_client'
    }

    It 'fails with EnterpriseUserTokenMissing when the call has no user token and no provider is set' {
        $err = $null
        Get-McpTool -Uri $ent.endpoint -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EnterpriseUserTokenMissing*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-UserTokenProvider'
    }

    It 'writes no ID token, ID-JAG, access token or secret to any stream, error, verbose line or transcript' {
        $erin = Get-TestIdToken erin
        $transcript = Join-Path $TestDrive 'enterprise-transcript.txt'
        Start-Transcript -Path $transcript | Out-Null
        try {
            $everything = & {
                Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken $erin -Verbose
                Invoke-RestMethod -Method Post -Uri $ent.revokeUrl -SkipCertificateCheck | Out-Null
                Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken $erin -Verbose
                Invoke-McpTool -Uri $ent.endpoint -Name whoami -UserToken (Get-TestIdToken $ent.deniedSubject) -Verbose -ErrorAction Continue
                Get-AgwTokenCache | Format-List * | Out-String
                Get-AgwOAuthClient | Format-List * | Out-String
            } *>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "$_ $($_.ErrorDetails.RecommendedAction) $($_.Exception.InnerException)" } else { "$_" } }
            $everything | Write-Host
        }
        finally {
            Stop-Transcript | Out-Null
        }
        $text = ($everything -join "`n") + (Get-Content -Raw $transcript)

        $text | Should -Match 'ID-JAG'                       # the verbose story is there ...
        $text | Should -Not -Match 'eyJ'                     # ... but no JWT of any kind (ID token, ID-JAG, access token)
        $text | Should -Not -Match ([regex]::Escape($ent.clientSecret))
        $text | Should -Not -Match ([regex]::Escape($ent.identityProviderClientSecret))
    }
}

Describe 'Enterprise-managed authorization with a provider set once' {
    BeforeEach {
        Clear-AgwTokenCache
        $script:provided = 0
        $script:frank = Get-TestIdToken frank
        Set-TestEnterpriseClient -UserTokenProvider { $script:provided++; $script:frank }
    }

    It 'runs the provider when a token is needed, not for a cached one' {
        $first = Invoke-McpTool -Uri $ent.endpoint -Name whoami -ErrorAction Stop
        $second = Invoke-McpTool -Uri $ent.endpoint -Name whoami -ErrorAction Stop

        $first.Text | Should -BeLike 'frank*'
        $second.Text | Should -BeLike 'frank*'
        $script:provided | Should -Be 1
        (Get-AgwTokenCache -Kind EnterpriseManaged).Kind | Should -Be 'EnterpriseManaged'
    }

    It 'shows the enterprise settings without a secret' {
        $client = Get-AgwOAuthClient -Issuer $ent.issuer
        "$($client.IdentityProvider)" | Should -Be $ent.identityProvider
        $client.IdentityProviderClientId | Should -Be $ent.clientId
        $client.HasIdentityProviderClientSecret | Should -BeTrue
        $client.HasUserTokenProvider | Should -BeTrue
        ($client | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($ent.identityProviderClientSecret))
    }

    It 'takes the client at the identity provider as a PSCredential' {
        $credential = [pscredential]::new($ent.clientId, (ConvertTo-SecureString $ent.identityProviderClientSecret -AsPlainText -Force))
        Set-AgwOAuthClient -Issuer $ent.issuer -ClientId $ent.clientId -ClientSecret $ent.clientSecret -IdentityProvider $ent.identityProvider `
            -IdentityProviderCredential $credential -UserTokenProvider { $script:frank }
        (Invoke-McpTool -Uri $ent.endpoint -Name whoami -ErrorAction Stop).Text | Should -BeLike 'frank*'
    }
}
