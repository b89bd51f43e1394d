BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
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
    }

    It 'round-trips every field and emits the new config with -PassThru' {
        $credentials = Join-Path $TestDrive 'credentials.json'
        $result = Set-AgwClientConfig -TimeoutSec 5 -TokenExpiryBufferSec 10 -FallbackTokenTtlSec 120 `
            -MaxSystemTokenCacheSize 3 -MaxUserTokenCacheSize 4 -CredentialPath $credentials -PassThru
        $result.Timeout | Should -Be ([timespan]::FromSeconds(5))
        $config = Get-AgwClientConfig
        $config.Timeout | Should -Be ([timespan]::FromSeconds(5))
        $config.TokenExpiryBuffer | Should -Be ([timespan]::FromSeconds(10))
        $config.FallbackTokenTtl | Should -Be ([timespan]::FromSeconds(120))
        $config.MaxSystemTokenCacheSize | Should -Be 3
        $config.MaxUserTokenCacheSize | Should -Be 4
        $config.CredentialPath | Should -Be $credentials
        $config.CredentialSource | Should -Be 'Explicit'
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
    ) {
        $parameters = @{ $Field = $Value }
        { Set-AgwClientConfig @parameters -ErrorAction Stop } | Should -Throw -ExpectedMessage "*$Rule*" -ErrorId 'InvalidClientConfig*'
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
