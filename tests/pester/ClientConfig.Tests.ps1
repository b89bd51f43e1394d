BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force

    # A credentials file that loads: a self-signed certificate and its key, made here (no sandbox needed).
    function New-TestCredentialFile([string] $Path, [string[]] $Without = @(), [double] $ValidDays = 30) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=agent-client', $key, 'SHA256')
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays($ValidDays))
        $json = [ordered]@{
            tokenServiceUrl         = 'https://ias.example.test/oauth2/token'
            clientid                = 'agent-client'
            certificate             = $certificate.ExportCertificatePem()
            privateKey              = $key.ExportPkcs8PrivateKeyPem()
            gatewayUrl              = 'https://gateway.example.test'
            integrationDependencies = @(@{ ordId = 'sap.example:mcpServer:demo:v1'; globalTenantId = 'tenant-1' })
        }
        foreach ($field in $Without) { $json.Remove($field) }
        $json | ConvertTo-Json -Depth 4 | Set-Content $Path
        $certificate.Dispose(); $key.Dispose()
        $Path
    }
}

Describe 'Set-AgwClientConfig and Get-AgwClientConfig' {
    BeforeEach {
        Set-AgwClientConfig -Reset
    }

    It 'starts with the design defaults' {
        $config = Get-AgwClientConfig
        $config.Timeout | Should -Be ([timespan]::FromSeconds(60))
        $config.TokenExpiryBuffer | Should -Be ([timespan]::FromSeconds(60))
        $config.FallbackTokenTtl | Should -Be ([timespan]::FromSeconds(300))
        $config.MaxSystemTokenCacheSize | Should -Be 10
        $config.MaxUserTokenCacheSize | Should -Be 10
        $config.MaxMcpSessionCount | Should -Be 32
        $config.McpSessionIdle | Should -Be ([timespan]::FromSeconds(300))
        $config.ToolListCacheTtl | Should -Be ([timespan]::FromSeconds(300))
        $config.MaxResponseSizeMB | Should -Be 32
        ($config | Format-List | Out-String) | Should -Match 'MaxResponseSizeMB\s*:\s*32'
    }

    It 'is an AgentGateway.AgwClientConfig whose settings read as numbers: (Get-AgwClientConfig).TimeoutSec is 60' {
        $config = Get-AgwClientConfig
        $config.PSObject.TypeNames[0] | Should -Be 'AgentGateway.AgwClientConfig'
        $config.TimeoutSec | Should -Be 60
        $config.TokenExpiryBufferSec | Should -Be 60
        $config.FallbackTokenTtlSec | Should -Be 300
        $config.McpSessionIdleSec | Should -Be 300
        $config.ToolListCacheSec | Should -Be 300
        $config.TimeoutSec | Should -BeOfType [double]
    }

    It 'has one property per Set-AgwClientConfig parameter, named as it, holding the value set' {
        $credentials = New-TestCredentialFile (Join-Path $TestDrive 'per-setting.json')
        $ca = Join-Path $TestDrive 'ca.pem'
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=test-ca', $key, 'SHA256')
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        Set-Content $ca $certificate.ExportCertificatePem()
        $certificate.Dispose(); $key.Dispose()
        # ProxyCredential shows as ProxyUser, never as the credential itself.
        $skip = @('Reset', 'PassThru', 'WhatIf', 'Confirm', 'ProxyCredential') + [System.Management.Automation.Cmdlet]::CommonParameters
        $settings = (Get-Command Set-AgwClientConfig).Parameters.Values | Where-Object Name -NotIn $skip
        $settings | Should -Not -BeNullOrEmpty
        foreach ($setting in $settings) {
            $value = switch ($setting.Name) {
                'CredentialPath' { $credentials }
                'TrustedCaPath' { $ca }
                'Proxy' { [uri] 'http://proxy.corp.example:3128/' }
                'NoProxy' { $true }
                default { if ($setting.ParameterType -eq [int]) { 3 } else { 90 } }
            }
            Set-AgwClientConfig -Reset
            $one = @{ $setting.Name = $value }
            $config = Set-AgwClientConfig @one -PassThru
            $config.PSObject.Properties.Name | Should -Contain $setting.Name -Because "-$($setting.Name) sets a property of that name"
            $config.($setting.Name) | Should -Be $value -Because "-$($setting.Name) $value"
            (Get-AgwClientConfig).($setting.Name) | Should -Be $value
        }
    }

    It 'round-trips every field and emits the new config with -PassThru' {
        $credentials = New-TestCredentialFile (Join-Path $TestDrive 'credentials.json')
        $result = Set-AgwClientConfig -TimeoutSec 5 -TokenExpiryBufferSec 10 -FallbackTokenTtlSec 120 `
            -MaxSystemTokenCacheSize 3 -MaxUserTokenCacheSize 4 -MaxMcpSessionCount 5 -McpSessionIdleSec 30 -ToolListCacheSec 20 `
            -MaxResponseSizeMB 0.5 -CredentialPath $credentials -PassThru
        $result.Timeout | Should -Be ([timespan]::FromSeconds(5))
        $config = Get-AgwClientConfig
        $config.Timeout | Should -Be ([timespan]::FromSeconds(5))
        $config.TokenExpiryBuffer | Should -Be ([timespan]::FromSeconds(10))
        $config.FallbackTokenTtl | Should -Be ([timespan]::FromSeconds(120))
        $config.MaxSystemTokenCacheSize | Should -Be 3
        $config.MaxUserTokenCacheSize | Should -Be 4
        $config.MaxMcpSessionCount | Should -Be 5
        $config.McpSessionIdle | Should -Be ([timespan]::FromSeconds(30))
        $config.ToolListCacheTtl | Should -Be ([timespan]::FromSeconds(20))
        $config.MaxResponseSizeMB | Should -Be 0.5
        $config.CredentialPath | Should -Be $credentials
        $config.CredentialSource | Should -Be 'Explicit'
    }

    It 'shows the client certificate''s NotAfter and days left, and warns when under 14 days are left' {
        Set-AgwClientConfig -CredentialPath (New-TestCredentialFile (Join-Path $TestDrive 'short-lived.json') -ValidDays 5)
        $warnings = $null
        $config = Get-AgwClientConfig -WarningVariable warnings -WarningAction SilentlyContinue
        $config.CertificateNotAfter | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddDays(4.9))
        $config.CertificateNotAfter | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow.AddDays(5))
        $config.CertificateDaysLeft | Should -Be 4
        @($warnings) | Should -HaveCount 1
        "$($warnings[0])" | Should -Match 'client certificate .*CN=agent-client.* expires on .*, in 4 day\(s\)'
        "$($warnings[0])" | Should -Match ([regex]::Escape((Join-Path $TestDrive 'short-lived.json')))
        ($config | Out-String -Width 250) | Should -Match 'CertificateDaysLeft\s*: 4\b'
    }

    It 'does not warn with 14 days or more left' {
        Set-AgwClientConfig -CredentialPath (New-TestCredentialFile (Join-Path $TestDrive 'long-lived.json') -ValidDays 30)
        $warnings = $null
        $config = Get-AgwClientConfig -WarningVariable warnings -WarningAction SilentlyContinue
        $config.CertificateDaysLeft | Should -Be 29
        @($warnings) | Should -HaveCount 0
    }

    It 'emits nothing without -PassThru' {
        Set-AgwClientConfig -TimeoutSec 5 | Should -BeNullOrEmpty
    }

    It 'refuses an invalid combination as a whole and keeps the old config' {
        Set-AgwClientConfig -TimeoutSec 7
        $err = { Set-AgwClientConfig -TimeoutSec 9 -TokenExpiryBufferSec 500 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidClientConfig,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be 'TokenExpiryBuffer'
        $err.ToString() | Should -Match 'TokenExpiryBuffer.*less than FallbackTokenTtl'
        (Get-AgwClientConfig).Timeout | Should -Be ([timespan]::FromSeconds(7))
        (Get-AgwClientConfig).TokenExpiryBuffer | Should -Be ([timespan]::FromSeconds(60))
    }

    It 'refuses <Field> = <Value>' -ForEach @(
        @{ Field = 'TimeoutSec'; Value = 0; Rule = 'Timeout must be greater than 0' }
        @{ Field = 'FallbackTokenTtlSec'; Value = -1; Rule = 'FallbackTokenTtl must be greater than 0' }
        @{ Field = 'MaxSystemTokenCacheSize'; Value = 0; Rule = 'MaxSystemTokenCacheSize must be at least 1' }
        @{ Field = 'MaxUserTokenCacheSize'; Value = 0; Rule = 'MaxUserTokenCacheSize must be at least 1' }
        @{ Field = 'MaxMcpSessionCount'; Value = 0; Rule = 'MaxMcpSessionCount must be at least 1' }
        @{ Field = 'McpSessionIdleSec'; Value = 0; Rule = 'McpSessionIdle must be greater than 0' }
        @{ Field = 'ToolListCacheSec'; Value = -1; Rule = 'ToolListCacheTtl must be greater than 0' }
        @{ Field = 'MaxResponseSizeMB'; Value = 0; Rule = 'MaxResponseSizeMB must be greater than 0 and at most 1024' }
        @{ Field = 'MaxResponseSizeMB'; Value = 1025; Rule = 'MaxResponseSizeMB must be greater than 0 and at most 1024' }
    ) {
        $parameters = @{ $Field = $Value }
        { Set-AgwClientConfig @parameters -ErrorAction Stop } | Should -Throw -ExpectedMessage "*$Rule*" -ErrorId 'InvalidClientConfig*'
    }

    It 'refuses a credentials file that <Case>, with the message of a load, and changes nothing' -ForEach @(
        @{ Case = 'does not exist'; Without = $null; Message = "*Credentials file '*nope.json' does not exist*" }
        @{ Case = 'lacks gatewayUrl'; Without = 'gatewayUrl'; Message = '*gatewayUrl*missing*' }
    ) {
        $path = if ($Without) { New-TestCredentialFile (Join-Path $TestDrive 'partial.json') -Without $Without } else { Join-Path $TestDrive 'nope.json' }
        $err = { Set-AgwClientConfig -CredentialPath $path -TimeoutSec 5 } | Should -Throw -ExpectedMessage $Message -ErrorId 'InvalidClientConfig*' -PassThru
        $err.TargetObject | Should -Be 'CredentialPath'
        (Get-AgwClientConfig).CredentialPath | Should -BeNullOrEmpty
        (Get-AgwClientConfig).Timeout | Should -Be ([timespan]::FromSeconds(60))
    }

    It 'refuses a CA file that holds no PEM certificate' {
        $notPem = Join-Path $TestDrive 'hostname'
        Set-Content $notPem 'build-host'
        { Set-AgwClientConfig -TrustedCaPath $notPem } | Should -Throw -ExpectedMessage '*no PEM certificate*' -ErrorId 'InvalidClientConfig*'
        (Get-AgwClientConfig).TrustedCaPath | Should -BeNullOrEmpty
    }

    It 'reports every invalid value in one error and changes nothing' {
        $notPem = Join-Path $TestDrive 'hostname'
        Set-Content $notPem 'build-host'
        $errors = @()
        try { Set-AgwClientConfig -TimeoutSec 0 -MaxUserTokenCacheSize 0 -CredentialPath (Join-Path $TestDrive 'nope.json') -TrustedCaPath $notPem -MaxSystemTokenCacheSize 3 }
        catch { $errors += $_ }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidClientConfig,*'
        $errors[0].TargetObject | Should -Be 'Timeout, MaxUserTokenCacheSize, CredentialPath, TrustedCaPath'
        foreach ($part in 'Timeout must be greater than 0', 'MaxUserTokenCacheSize must be at least 1', 'nope.json'' does not exist', 'no PEM certificate') {
            $errors[0].ToString() | Should -Match ([regex]::Escape($part))
        }
        $config = Get-AgwClientConfig
        $config.MaxSystemTokenCacheSize | Should -Be 10 -Because 'a valid value given beside invalid ones is not applied either'
        $config.CredentialPath | Should -BeNullOrEmpty
        $config.TrustedCaPath | Should -BeNullOrEmpty
    }

    It 'takes docs/credentials.example.json as far as its fake certificate: every field is there' {
        $example = Join-Path $PSScriptRoot '../../docs/credentials.example.json'
        $json = Get-Content -Raw $example | ConvertFrom-Json
        $json.certificate + $json.privateKey | Should -Match 'NOT-A-REAL' -Because 'nobody may mistake it for a real credential'
        $err = { Set-AgwClientConfig -CredentialPath $example } | Should -Throw -ErrorId 'InvalidClientConfig*' -PassThru
        $err.ToString() | Should -Match 'certificate' -Because 'the first field that cannot load is the fake certificate'
        $err.ToString() | Should -Not -Match 'is missing|must be'
    }

    It '-Reset restores the defaults' {
        Set-AgwClientConfig -TimeoutSec 3 -MaxUserTokenCacheSize 1
        Set-AgwClientConfig -Reset
        (Get-AgwClientConfig).Timeout | Should -Be ([timespan]::FromSeconds(60))
        (Get-AgwClientConfig).MaxUserTokenCacheSize | Should -Be 10
    }

    It '-WhatIf changes nothing' {
        Set-AgwClientConfig -TimeoutSec 3 -WhatIf
        (Get-AgwClientConfig).Timeout | Should -Be ([timespan]::FromSeconds(60))
    }

    It 'reports where credentials would come from without reading them' -ForEach @(
        @{ Case = 'a service binding'; Expected = 'ServiceBinding' }
        @{ Case = 'the environment'; Expected = 'Environment' }
        @{ Case = 'nothing'; Expected = 'None' }
    ) {
        $bindings = Join-Path $TestDrive "bindings-$Expected"
        $null = New-Item -ItemType Directory (Join-Path $bindings 'agw')
        if ($Expected -eq 'ServiceBinding') { Set-Content (Join-Path $bindings 'agw/type') 'integration-credentials' }
        $saved = $env:SERVICE_BINDING_ROOT, $env:INTEGRATION_CLIENT_ID
        try {
            $env:SERVICE_BINDING_ROOT = $bindings
            $env:INTEGRATION_CLIENT_ID = if ($Expected -eq 'Environment') { 'agent' } else { $null }
            (Get-AgwClientConfig).CredentialSource | Should -Be $Expected
        }
        finally {
            $env:SERVICE_BINDING_ROOT, $env:INTEGRATION_CLIENT_ID = $saved
        }
    }
}
