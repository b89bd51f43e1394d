BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Expected = @(
        'Clear-AgwTokenCache'
        'Get-AgwAccessToken'
        'Get-AgwClientConfig'
        'Get-AgwTokenCache'
        'Get-McpTool'
        'Invoke-McpTool'
        'Set-AgwClientConfig'
    )
}

Describe 'Module manifest' {
    It 'is a valid manifest for PowerShell Core 7.6' {
        $manifest = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.6')
        $manifest.RootModule | Should -Be 'AgentGateway.dll'
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.Tags | Should -Contain 'MCP'
    }

    It 'carries the version of Directory.Build.props' {
        $props = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../Directory.Build.props'))
        $version = ($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1).Trim()
        (Test-ModuleManifest -Path $ModuleManifest).Version | Should -Be ([version]$version)
    }

    It 'exports exactly the listed cmdlets, and nothing else' {
        $runspace = New-AgwTestRunspace
        try {
            $exported = Invoke-InRunspace $runspace '(Get-Command -Module AgentGateway).Name'
        }
        finally {
            $runspace.Dispose()
        }
        @($exported | Sort-Object) | Should -Be @($Expected | Sort-Object)
        $manifest = Import-PowerShellDataFile $ModuleManifest
        @($manifest.CmdletsToExport | Sort-Object) | Should -Be @($Expected | Sort-Object)
        $manifest.FunctionsToExport | Should -BeNullOrEmpty
        $manifest.VariablesToExport | Should -BeNullOrEmpty
        $manifest.AliasesToExport | Should -BeNullOrEmpty
    }
}
