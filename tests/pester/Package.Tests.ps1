# The module as a user gets it: packed with PSResourceGet (build/Publish-ModulePackage.ps1, as
# build.ps1 -Task Package does), published to a temporary local repository, saved with Save-PSResource
# into a temporary module folder, and used from one fresh pwsh whose PSModulePath has that folder:
# no Import-Module, PowerShell loads the module when its first cmdlet runs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $manifest = Import-PowerShellDataFile $ModuleManifest
    $sandbox = Start-AgwSandbox -BindingRoot (Join-Path $TestDrive 'bindings')

    $modules = New-Item -ItemType Directory (Join-Path $TestDrive 'modules')
    $feed = Join-Path $TestDrive 'feed'
    # PSResourceGet's repository list: not the user's. The folder must exist (else .NET answers '' and
    # PSResourceGet writes to the current folder).
    $dataHome = (New-Item -ItemType Directory (Join-Path $TestDrive 'data')).FullName
    $script = Join-Path $TestDrive 'as-a-user.ps1'
    Set-Content $script @'
param($PublishScript, $ModulePath, $Feed, $Modules, $CaPath)
$ErrorActionPreference = 'Stop'
$published = & $PublishScript -ModulePath $ModulePath -DestinationPath $Feed -KeepRepository 6>$null
try {
    Save-PSResource -Name AgentGateway -Repository $published.Repository -Path $Modules -TrustRepository -Prerelease
}
finally {
    Unregister-PSResourceRepository -Name $published.Repository
}
$loadedBefore = [bool](Get-Module AgentGateway)
Set-AgwClientConfig -TrustedCaPath $CaPath
$result = Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:travel:v1' -Name echo -Arguments @{ message = 'installed' }
$module = Get-Module AgentGateway
[pscustomobject]@{
    Package      = Split-Path $published.Package -Leaf
    LoadedBefore = $loadedBefore
    ModuleBase   = $module.ModuleBase
    Version      = "$($module.Version)"
    Prerelease   = "$($module.PrivateData.PSData.Prerelease)"
    ReleaseNotes = "$($module.ReleaseNotes)"
    LicenseFile  = Test-Path (Join-Path $module.ModuleBase 'LICENSE')
    HelpTopic    = [bool](Get-Help about_AgentGateway_Errors -ErrorAction SilentlyContinue)
    Text         = $result.Text
    Engine       = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AgentGateway.Engine' }).Location
} | ConvertTo-Json -Compress
'@

    $pwsh = Get-AgwPwshCommand
    $saved = $env:PSModulePath, $env:XDG_DATA_HOME, $env:SERVICE_BINDING_ROOT
    try {
        $env:PSModulePath = $modules.FullName
        $env:XDG_DATA_HOME = $dataHome
        $env:SERVICE_BINDING_ROOT = Join-Path $TestDrive 'bindings'
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script -PublishScript (Join-Path $repoRoot 'build/Publish-ModulePackage.ps1') `
            -ModulePath $ModulePath -Feed $feed -Modules $modules.FullName -CaPath $sandbox.caCertificatePath 2>&1
        $exitCode = $LASTEXITCODE
    }
    finally {
        $env:PSModulePath, $env:XDG_DATA_HOME, $env:SERVICE_BINDING_ROOT = $saved
    }
    $run = $output | Where-Object { $_ -is [string] -and $_.StartsWith('{') } | Select-Object -Last 1 | ConvertFrom-Json
}

AfterAll {
    if ($sandbox) { Stop-AgwSandbox $sandbox }
}

Describe 'The package, installed with PSResourceGet' {
    It 'publishes, saves and runs in a fresh pwsh without an error' {
        $exitCode | Should -Be 0 -Because ($output -join "`n")
        $run | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
    }

    It 'is named AgentGateway.VERSION.nupkg' {
        $version = $manifest.ModuleVersion + $(if ($manifest.PrivateData.PSData['Prerelease']) { "-$($manifest.PrivateData.PSData.Prerelease)" })
        $run.Package | Should -Be "AgentGateway.$version.nupkg"
        Test-Path (Join-Path $feed $run.Package) | Should -BeTrue
    }

    It 'loads from the installed folder on first use, without Import-Module, and calls a sandbox tool' {
        $run.LoadedBefore | Should -BeFalse
        $run.ModuleBase | Should -BeLike "$($modules.FullName)*"
        $run.Version | Should -Be $manifest.ModuleVersion
        $run.Text | Should -Be 'installed'
    }

    It 'loads the engine from the installed dependencies/, its ReadyToRun copy for this platform where the build made one' {
        $platform = Get-AgwPlatformFolder
        $built = if ($platform) { Join-Path $ModulePath 'dependencies' $platform 'AgentGateway.Engine.dll' }
        $folder = if ($built -and (Test-Path $built)) { Join-Path $run.ModuleBase 'dependencies' $platform } else { Join-Path $run.ModuleBase 'dependencies' }
        $run.Engine | Should -Be (Join-Path $folder 'AgentGateway.Engine.dll')
    }

    It 'leaves the user''s PSResourceGet repositories alone (its list went to a temporary folder)' {
        Test-Path (Join-Path $dataHome 'PSResourceGet/PSResourceRepository.xml') | Should -BeTrue
        Test-Path (Join-Path $repoRoot 'PSResourceGet') | Should -BeFalse
    }

    It 'carries the release notes, the LICENSE and the error catalogue' {
        $run.ReleaseNotes | Should -Match ([regex]::Escape("[$($manifest.ModuleVersion)"))
        $run.LicenseFile | Should -BeTrue
        $run.HelpTopic | Should -BeTrue
    }
}
