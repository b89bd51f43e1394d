# Client certificates for MCP servers outside the gateway (issue 24): the sandbox's server that requires one (its own CA)
# and one that only asks (and says whether it got one); PEM, encrypted PEM, PFX and a store thumbprint; the named errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $c = $sb.certificateServer
    $password = ConvertTo-SecureString $c.password -AsPlainText -Force
}

AfterAll {
    Get-AgwClientCertificate | Remove-AgwClientCertificate
    Disconnect-AgwTestSandbox $sb
}

Describe 'A -Uri server that requires a client certificate' {
    AfterEach { Get-AgwClientCertificate | Remove-AgwClientCertificate }

    It 'fails with McpClientCertificateRequired when none is set' {
        $err = $null
        Get-McpTool -Uri $c.requiredEndpoint -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'McpClientCertificateRequired*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Set-AgwClientCertificate'
    }

    It 'lists and calls with a PEM pair, and shows it without secrets' {
        $set = Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.keyPath -PassThru
        $set.Thumbprint | Should -Be $c.thumbprint
        (Get-McpTool -Uri $c.requiredEndpoint -ErrorAction Stop).Name | Should -Contain 'whoami'
        (Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject

        $config = Get-AgwClientConfig
        $config.EndpointCertificates.Thumbprint | Should -Be $c.thumbprint
        $shown = ($config | Format-List * | Out-String) + (Get-AgwClientCertificate | Format-List * | Out-String)
        $shown | Should -Not -Match 'PRIVATE KEY|BEGIN CERTIFICATE'
        $shown | Should -Match $c.thumbprint
    }

    It 'calls with an encrypted key and its password (a PSCredential)' {
        $credential = [pscredential]::new('key', $password)
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.encryptedKeyPath -KeyPassword $credential
        (Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject
    }

    It 'calls with a PFX and its password' {
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -PfxPath $c.pfxPath -Password $password
        (Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject
    }

    It 'calls with a certificate of the user store, by thumbprint' {
        $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'PersistKeySet, Exportable'
        $cert = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile($c.pfxPath, $c.password, $flags)
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $store.Open('ReadWrite')
        try {
            $store.Add($cert)
            Set-AgwClientCertificate -Uri $c.requiredEndpoint -Thumbprint $c.thumbprint
            (Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject
            (Get-AgwClientCertificate).SourceKind | Should -Be 'Store'
        }
        finally {
            $store.Remove($cert)
            $store.Dispose()
            $cert.Dispose()
        }
    }

    It 'fails with McpClientCertificateRefused when the server does not accept the one set' {
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.foreignCertificatePath -KeyPath $c.foreignKeyPath
        $err = $null
        Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'McpClientCertificateRefused*'
    }
}

Describe 'Only the endpoints of its prefix get the certificate' {
    AfterEach { Get-AgwClientCertificate | Remove-AgwClientCertificate }

    It 'presents it under its path, not to another path of the same server' {
        $a = $c.optionalEndpointA -replace '/mcp$', ''
        Set-AgwClientCertificate -Uri $a -CertificatePath $c.certificatePath -KeyPath $c.keyPath
        (Invoke-McpTool -Uri $c.optionalEndpointB -Name whoami -ErrorAction Stop).Text | Should -Be 'anonymous'
        (Invoke-McpTool -Uri $c.optionalEndpointA -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject
        (Invoke-McpTool -Uri $c.optionalEndpointB -Name whoami -ErrorAction Stop).Text | Should -Be 'anonymous'
    }

    It 'stops presenting it once removed' {
        Set-AgwClientCertificate -Uri $c.optionalEndpointA -CertificatePath $c.certificatePath -KeyPath $c.keyPath
        (Invoke-McpTool -Uri $c.optionalEndpointA -Name whoami -ErrorAction Stop).Text | Should -Be $c.subject
        Remove-AgwClientCertificate -Uri $c.optionalEndpointA
        (Invoke-McpTool -Uri $c.optionalEndpointA -Name whoami -ErrorAction Stop).Text | Should -Be 'anonymous'
    }
}

Describe 'Set-AgwClientCertificate refuses what cannot be used' {
    It 'names a missing file' {
        $err = $null
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath (Join-Path $TestDrive 'none.pem') -KeyPath $c.keyPath -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificateFileNotFound*'
    }

    It 'names a wrong password, without echoing it' {
        $err = $null
        $wrong = ConvertTo-SecureString 'not-the-password' -AsPlainText -Force
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -PfxPath $c.pfxPath -Password $wrong -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificatePasswordInvalid*'
        ($err[0] | Out-String) | Should -Not -Match 'not-the-password'
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.encryptedKeyPath -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificatePasswordInvalid*'
    }

    It 'names a key file without a private key' {
        $err = $null
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.certificatePath -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificateNoPrivateKey*'
    }

    It 'names a thumbprint the store does not have' {
        $err = $null
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -Thumbprint ('0' * 40) -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificateNotInStore*'
    }

    It 'refuses a plain http prefix' {
        $err = $null
        Set-AgwClientCertificate -Uri 'http://127.0.0.1/mcp' -CertificatePath $c.certificatePath -KeyPath $c.keyPath -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
        Get-AgwClientCertificate | Should -BeNullOrEmpty
    }

    It 'sets nothing with -WhatIf' {
        Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.keyPath -WhatIf
        Get-AgwClientCertificate | Should -BeNullOrEmpty
    }
}

Describe 'No key, password or certificate body in any output' {
    It 'keeps them out of verbose lines, errors and a transcript' {
        $transcript = Join-Path $TestDrive 'transcript.txt'
        $keyLine = (Get-Content $c.keyPath)[1]
        $certificateLine = (Get-Content $c.certificatePath)[1]
        $wrong = ConvertTo-SecureString 'wrong-pfx-secret' -AsPlainText -Force
        Start-Transcript -Path $transcript | Out-Null
        try {
            $all = & {
                Set-AgwClientCertificate -Uri $c.requiredEndpoint -PfxPath $c.pfxPath -Password $wrong -Verbose -ErrorAction Continue
                Set-AgwClientCertificate -Uri $c.requiredEndpoint -CertificatePath $c.certificatePath -KeyPath $c.encryptedKeyPath -KeyPassword $password -PassThru -Verbose
                Invoke-McpTool -Uri $c.requiredEndpoint -Name whoami -Verbose
                Get-AgwClientCertificate | Format-List *
                Get-AgwClientConfig | Format-List *
                Test-AgwConnection -Uri $c.requiredEndpoint -ErrorAction SilentlyContinue
            } *>&1 | Out-String -Width 500
            $all | Write-Host
        }
        finally {
            Stop-Transcript | Out-Null
            Get-AgwClientCertificate | Remove-AgwClientCertificate
        }
        $text = $all + (Get-Content -Raw $transcript)
        $text | Should -Match ([regex]::Escape($c.subject))
        foreach ($secret in 'wrong-pfx-secret', $c.password, $keyLine, $certificateLine, 'PRIVATE KEY', 'BEGIN CERTIFICATE') {
            $text | Should -Not -Match ([regex]::Escape($secret))
        }
    }
}
