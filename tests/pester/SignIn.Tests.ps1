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

    It 'shows the client settings without the secret' {
        Set-AgwOAuthClient -Issuer 'https://login.example.com/' -ClientId 'agw-app' -ClientSecret 'very-secret-value'
        $client = Get-AgwOAuthClient -Issuer 'https://login.example.com/'
        $client.HasClientSecret | Should -BeTrue
        ($client | Format-List * | Out-String) | Should -Not -Match 'very-secret-value'
    }
}
