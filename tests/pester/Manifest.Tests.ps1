BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $props = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../Directory.Build.props'))
    $VersionPrefix = "$($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1)".Trim()
    $VersionSuffix = "$($props.Project.PropertyGroup.VersionSuffix | Where-Object { $_ } | Select-Object -First 1)".Trim()
    $FullVersion = if ($VersionSuffix) { "$VersionPrefix-$VersionSuffix" } else { $VersionPrefix }
    $script:Expected = @(
        'Clear-AgwTokenCache'
        'Export-McpToolModule'
        'Get-AgwAccessToken'
        'Get-AgwClientCertificate'
        'Get-AgwClientConfig'
        'Get-AgwOAuthClient'
        'Get-AgwTokenCache'
        'Get-McpLocalServer'
        'Get-McpPrompt'
        'Get-McpPromptMessage'
        'Get-McpResource'
        'Get-McpTool'
        'Import-McpTool'
        'Invoke-McpTool'
        'Read-McpResource'
        'Remove-AgwClientCertificate'
        'Remove-AgwOAuthClient'
        'Set-AgwClientCertificate'
        'Set-AgwClientConfig'
        'Set-AgwOAuthClient'
        'Stop-McpLocalServer'
        'Test-AgwConnection'
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

    It 'carries the version of Directory.Build.props, and its suffix as Prerelease' {
        $manifest = Import-PowerShellDataFile $ModuleManifest
        (Test-ModuleManifest -Path $ModuleManifest).Version | Should -Be ([version]$VersionPrefix)
        "$($manifest.PrivateData.PSData['Prerelease'])" | Should -Be $VersionSuffix
    }

    It 'has the same version in its assemblies and in the MCP clientInfo it sends' {
        $runspace = New-AgwTestRunspace
        try {
            $versions = Invoke-InRunspace $runspace @'
$engine = [AgentGateway.McpToolResult].GetProperty('Content').PropertyType.GetGenericArguments()[0].Assembly
$informational = { param($a) $a.GetCustomAttributes([Reflection.AssemblyInformationalVersionAttribute], $false)[0].InformationalVersion }
& $informational (Get-Command Get-McpTool).ImplementingType.Assembly
& $informational $engine
$engine.GetType('AgentGateway.Engine.Mcp.Transport.McpClientPool', $true)::ClientInfo.Version
'@
        }
        finally {
            $runspace.Dispose()
        }
        $versions | Should -Be @($FullVersion, $FullVersion, $FullVersion)
    }

    It 'fills every field a gallery shows: <Field>' -ForEach @(
        @{ Field = 'Author' }, @{ Field = 'CompanyName' }, @{ Field = 'Copyright' }, @{ Field = 'Description' },
        @{ Field = 'Tags' }, @{ Field = 'LicenseUri' }, @{ Field = 'ReleaseNotes' }
    ) {
        $manifest = Import-PowerShellDataFile $ModuleManifest
        $value = if ($manifest.ContainsKey($Field)) { $manifest[$Field] } else { $manifest.PrivateData.PSData[$Field] }
        "$value".Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has no empty value anywhere in PSData, and ships the LICENSE' {
        $psData = (Import-PowerShellDataFile $ModuleManifest).PrivateData.PSData
        $psData.GetEnumerator() | Where-Object { -not "$($_.Value)".Trim() } | ForEach-Object Key | Should -BeNullOrEmpty
        $manifest = Import-PowerShellDataFile $ModuleManifest
        $manifest.Copyright | Should -Not -Match 'All rights reserved'
        Get-Content -Raw (Join-Path $ModulePath 'LICENSE') | Should -Match 'Apache License\s+Version 2\.0'
    }

    It 'takes its release notes from the CHANGELOG.md section of its version' {
        $notes = (Import-PowerShellDataFile $ModuleManifest).PrivateData.PSData.ReleaseNotes
        $changelog = Get-Content -Raw (Join-Path $PSScriptRoot '../../CHANGELOG.md')
        $section = [regex]::Match($changelog, "(?ms)^## \[$([regex]::Escape($FullVersion))\][^\n]*\n(.*?)(?=^## |\z)").Groups[1].Value.Trim()
        $section | Should -Not -BeNullOrEmpty -Because "CHANGELOG.md needs a section for $FullVersion"
        ($notes -replace '\r', '').Contains(($section -replace '\r', '')) | Should -BeTrue -Because 'the release notes are that section'
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
