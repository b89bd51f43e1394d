# Set-AgwClientConfig -Proxy, -ProxyCredential, -NoProxy as users drive them; a proxy that answers 407 is an error of
# its own naming the proxy. (The traffic through a real CONNECT proxy, with and without Basic authentication, for the
# token service and the gateway: tests/AgentGateway.Engine.Tests/Http/ProxyTests.cs.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')

    # A proxy that asks every request for credentials and never accepts them (a bounded number of connections).
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start()
    $proxyUrl = "http://127.0.0.1:$($listener.LocalEndpoint.Port)/"
    $proxyJob = Start-ThreadJob -ArgumentList $listener -ScriptBlock {
        param($listener)
        for ($i = 0; $i -lt 50; $i++) {
            try { $client = $listener.AcceptTcpClient() } catch { return }
            try {
                $stream = $client.GetStream()
                $buffer = [byte[]]::new(8192)
                $null = $stream.Read($buffer, 0, $buffer.Length)
                $answer = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 407 Proxy Authentication Required`r`nProxy-Authenticate: Basic realm=`"corp`"`r`nContent-Length: 0`r`nConnection: close`r`n`r`n")
                $stream.Write($answer, 0, $answer.Length)
            } catch {
            } finally {
                $client.Close()
            }
        }
    }
}

AfterAll {
    Set-AgwClientConfig -Reset
    $listener.Stop()
    $proxyJob | Stop-Job -PassThru | Remove-Job -Force
    Disconnect-AgwTestSandbox $sb
}

Describe 'Set-AgwClientConfig -Proxy' {
    BeforeEach {
        Set-AgwClientConfig -Reset -TrustedCaPath $sb.caCertificatePath
        Clear-AgwTokenCache
    }

    It 'shows the proxy and the user name of its credentials, never the password' {
        $credential = [pscredential]::new('proxy-user', (ConvertTo-SecureString 'pr0xy-s3cret' -AsPlainText -Force))
        $config = Set-AgwClientConfig -Proxy 'http://proxy.corp.example:3128' -ProxyCredential $credential -PassThru
        $config.Proxy | Should -Be 'http://proxy.corp.example:3128/'
        $config.ProxyUser | Should -Be 'proxy-user'
        $config.NoProxy | Should -BeFalse
        (Get-AgwClientConfig | Format-List | Out-String) | Should -Match 'proxy\.corp\.example:3128/ as .proxy-user.'
        (Get-AgwClientConfig | Format-List * | Out-String) + (Get-AgwClientConfig | ConvertTo-Json -Depth 5) | Should -Not -Match 'pr0xy-s3cret'
    }

    It 'goes back to the environment with $null, and -NoProxy switches proxies off' {
        Set-AgwClientConfig -Proxy 'http://proxy.corp.example:3128'
        Set-AgwClientConfig -Proxy $null -PassThru | Select-Object -ExpandProperty Proxy | Should -BeNullOrEmpty
        $off = Set-AgwClientConfig -NoProxy -PassThru
        $off.NoProxy | Should -BeTrue
        (Get-AgwClientConfig | Format-List | Out-String) | Should -Match 'none \(NoProxy\)'
        (Set-AgwClientConfig -NoProxy:$false -PassThru).NoProxy | Should -BeFalse
    }

    It 'refuses a proxy URL with credentials in it, and -Proxy with -NoProxy, changing nothing' {
        { Set-AgwClientConfig -Proxy 'http://bob:hunter2@proxy.corp.example:3128' } | Should -Throw -ErrorId 'InvalidClientConfig,AgentGateway.Commands.SetAgwClientConfigCommand'
        { Set-AgwClientConfig -Proxy 'http://proxy.corp.example:3128' -NoProxy } | Should -Throw -ErrorId 'InvalidClientConfig,AgentGateway.Commands.SetAgwClientConfigCommand'
        (Get-AgwClientConfig).Proxy | Should -BeNullOrEmpty
        try { Set-AgwClientConfig -Proxy 'http://bob:hunter2@proxy.corp.example:3128' } catch { $_.ToString() | Should -Not -Match 'hunter2' }
    }

    It 'names a proxy that answers 407 as ProxyAuthenticationRequired, with what to do, and sends nothing past it' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        Set-AgwClientConfig -Proxy $proxyUrl
        $e = { Get-AgwAccessToken -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ProxyAuthenticationRequired,*'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($e.TargetObject)" | Should -Be $proxyUrl
        $e.ToString() | Should -Match ([regex]::Escape($proxyUrl))
        $e.ToString() | Should -Match '407'
        $e.ErrorDetails.RecommendedAction | Should -Match '-ProxyCredential'
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 0
    }

    It 'says that the credentials given were refused, without showing them' {
        $credential = [pscredential]::new('proxy-user', (ConvertTo-SecureString 'wr0ng-s3cret' -AsPlainText -Force))
        Set-AgwClientConfig -Proxy $proxyUrl -ProxyCredential $credential
        $e = { Get-McpTool -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ProxyAuthenticationRequired,*'
        $e.ToString() | Should -Match 'refused the credentials'
        ($e | Format-List * -Force | Out-String) | Should -Not -Match 'wr0ng-s3cret'
    }
}
