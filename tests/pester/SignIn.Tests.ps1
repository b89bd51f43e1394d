# Sign-in for an MCP server outside the gateway (issue 23), through the cmdlets: -AuthorizationHandler completes the
# authorization code flow at the sandbox's OpenIddict server, the token lands in the runspace cache, and a command that
# cannot sign in fails at once with SignInRequired.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $as = $sb.authorizationServer
    # The person: GETs the authorization URL (the sandbox signs "alice" in at once) and returns where it redirects.
    # (Invoke-WebRequest -MaximumRedirection 0 makes the 302 an error; an HttpClient that does not follow it does not.)
    $handler = [System.Net.Http.HttpClientHandler]::new()
    $handler.AllowAutoRedirect = $false
    $handler.ServerCertificateCustomValidationCallback = [System.Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
    $script:browser = [System.Net.Http.HttpClient]::new($handler)
    $script:SignIn = {
        param($url)
        $script:browser.GetAsync([uri] $url).GetAwaiter().GetResult().Headers.Location.AbsoluteUri
    }
}

AfterAll {
    $script:browser.Dispose()
    Disconnect-AgwTestSandbox $sb
}

Describe 'Sign-in with -AuthorizationHandler' {
    BeforeEach {
        Clear-AgwTokenCache
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.publicClientId
    }

    It 'signs in once, calls the tool, and shows the token in the cache with its kind and issuer (never the token)' {
        $script:count = 0
        $handler = { param($url) $script:count++; & $SignIn $url }
        $result = Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -AuthorizationHandler $handler -ErrorAction Stop
        $result.Text | Should -BeLike 'alice*'
        Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -AuthorizationHandler $handler -ErrorAction Stop | Out-Null
        $script:count | Should -Be 1

        $entry = Get-AgwTokenCache -Kind AuthorizationCode
        @($entry).Count | Should -Be 1
        $entry.Issuer | Should -Be $as.issuer
        "$($entry.Endpoint)" | Should -Be $as.headerEndpoint
        ($entry | Out-String) | Should -Not -Match 'eyJ'

        Clear-AgwTokenCache -Uri $as.headerEndpoint
        Get-AgwTokenCache -Kind AuthorizationCode | Should -BeNullOrEmpty
    }

    It 'lists the tools of a server found through its well-known metadata' {
        $tools = Get-McpTool -Uri $as.wellKnownEndpoint -AuthorizationHandler $SignIn -ErrorAction Stop
        $tools.Name | Should -Contain 'whoami'
    }

    It 'fails at once with SignInRequired, saying how, when no handler is given' {
        $err = $null
        Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SignInRequired*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-AuthorizationHandler'
        # This pwsh runs -NonInteractive: no browser, no prompt (the message says why).
        $err[0].Exception.Message | Should -Match 'non-interactively|redirected|cannot prompt'
    }

    It 'gives a listing that cannot sign in the same ErrorId as a call' {
        $err = $null
        Get-McpTool -Uri $as.headerEndpoint -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SignInRequired*'
    }

    It 'refuses resource metadata for another resource with AuthorizationResourceMismatch' {
        $err = $null
        Invoke-McpTool -Uri $as.mismatchEndpoint -Name whoami -AuthorizationHandler $SignIn -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AuthorizationResourceMismatch*'
    }

    It 'ends a sign-in that does not finish within -SignInTimeoutSec with SignInTimedOut' {
        Set-AgwOAuthClient -Issuer $as.issuer -ClientId $as.publicClientId -SignInTimeoutSec 1
        $err = $null
        Invoke-McpTool -Uri $as.headerEndpoint -Name whoami -AuthorizationHandler { param($url) Start-Sleep -Seconds 2 } -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SignInTimedOut*'
        $err[0].Exception.Message | Should -Match 'within 1 s'
        Get-AgwTokenCache -Kind AuthorizationCode | Should -BeNullOrEmpty
    }

    It 'refuses an authorization server whose authorization endpoint is plain http, before the handler runs' {
        $script:asked = 0
        $err = $null
        Invoke-McpTool -Uri $as.plainAuthorizationEndpoint -Name whoami -AuthorizationHandler { param($url) $script:asked++ } -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InsecureTransport*'
        $err[0].Exception.Message | Should -Match 'http://auth\.example\.com/authorize'
        $script:asked | Should -Be 0
    }

    It 'finds an issuer with a path by RFC 8414 path insertion' {
        Set-AgwOAuthClient -Issuer $as.tenantIssuer -ClientId $as.publicClientId
        $result = Invoke-McpTool -Uri $as.tenantEndpoint -Name whoami -AuthorizationHandler $SignIn -ErrorAction Stop
        $result.Text | Should -BeLike 'alice*'
        (Get-AgwTokenCache -Kind AuthorizationCode).Issuer | Should -Be $as.tenantIssuer
    }

    It 'shows the sign-in settings in Get-AgwClientConfig, without the secret' {
        # A runspace of its own: the list view names up to three clients (a count past that), and this file's
        # other tests set clients of their own in the file's runspace.
        $runspace = New-AgwTestRunspace
        try {
            $config, $shown = Invoke-InRunspace $runspace @'
Set-AgwOAuthClient -Issuer 'https://login.example.com/' -ClientId 'agw-app' -ClientSecret 'very-secret-value'
$config = Get-AgwClientConfig
$config
($config | Format-List | Out-String) + ($config.OAuthClients | Format-List * | Out-String)
'@
        }
        finally {
            $runspace.Dispose()
        }

        $config.OAuthClients.Issuer | Should -Be ([uri] 'https://login.example.com/')
        ($config.OAuthClients | Where-Object ClientId -EQ 'agw-app').HasClientSecret | Should -BeTrue
        $shown | Should -Match 'OAuthClients\s*:.*login\.example\.com'
        $shown | Should -Not -Match 'very-secret-value'
    }

    It 'shows the client settings without the secret' {
        Set-AgwOAuthClient -Issuer 'https://login.example.com/' -ClientId 'agw-app' -ClientSecret 'very-secret-value'
        $client = Get-AgwOAuthClient -Issuer 'https://login.example.com/'
        $client.HasClientSecret | Should -BeTrue
        ($client | Format-List * | Out-String) | Should -Not -Match 'very-secret-value'
    }

    It 'removes an issuer''s settings with Remove-AgwOAuthClient (piped or by -Issuer), and -WhatIf removes nothing' {
        Set-AgwOAuthClient -Issuer 'https://remove-a.example.com/' -ClientId 'agw-a'
        Set-AgwOAuthClient -Issuer 'https://remove-b.example.com/' -ClientId 'agw-b'

        Remove-AgwOAuthClient -Issuer 'https://remove-a.example.com/' -WhatIf
        Get-AgwOAuthClient -Issuer 'https://remove-a.example.com/' | Should -Not -BeNullOrEmpty

        Remove-AgwOAuthClient -Issuer 'https://remove-a.example.com'   # the issuer as its metadata or without the slash
        Get-AgwOAuthClient -Issuer 'https://remove-a.example.com/' | Should -BeNullOrEmpty
        Get-AgwOAuthClient -Issuer 'https://remove-b.example.com/' | Remove-AgwOAuthClient
        Get-AgwOAuthClient -Issuer 'https://remove-b.example.com/' | Should -BeNullOrEmpty

        $verbose = Remove-AgwOAuthClient -Issuer 'https://remove-b.example.com/' -Verbose 4>&1
        "$verbose" | Should -Match 'No OAuth client was set for https://remove-b\.example\.com'
    }
}
