<#
.SYNOPSIS
    Packs a built module as a NuGet package with PSResourceGet: Publish-PSResource into a temporary
    local repository, the .nupkg copied to -DestinationPath. build.ps1 -Task Package runs it in a child
    pwsh; the package test runs it too, then installs from the same repository.
.DESCRIPTION
    The repository is registered under a unique name and unregistered at the end. The caller that wants
    the user's PSResourceGet settings left alone entirely (build.ps1, the test) starts this pwsh with
    XDG_DATA_HOME pointing at a temporary folder, where PSResourceGet then keeps its repository list.
    Returns the repository's name, its folder and the package's path; with -KeepRepository the
    repository stays registered (the caller unregisters it).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DestinationPath,
    [switch] $KeepRepository
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module Microsoft.PowerShell.PSResourceGet

$manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'AgentGateway.psd1')
$version = $manifest.ModuleVersion + $(if ($manifest.PrivateData.PSData['Prerelease']) { "-$($manifest.PrivateData.PSData.Prerelease)" })
$name = "AgwLocal$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$folder = Join-Path ([IO.Path]::GetTempPath()) $name
$null = New-Item -ItemType Directory $folder
Register-PSResourceRepository -Name $name -Uri $folder -Trusted
try {
    Publish-PSResource -Path $ModulePath -Repository $name
    $package = Join-Path $folder "AgentGateway.$version.nupkg"
    if (-not (Test-Path $package)) { throw "Publish-PSResource wrote no $package (found: $((Get-ChildItem $folder).Name -join ', '))." }
    $null = New-Item -ItemType Directory -Force $DestinationPath
    Copy-Item $package $DestinationPath -Force
    Write-Host "Module package $(Join-Path $DestinationPath (Split-Path $package -Leaf))"
    [pscustomobject]@{ Repository = $name; RepositoryPath = $folder; Package = Join-Path $DestinationPath (Split-Path $package -Leaf) }
}
finally {
    if (-not $KeepRepository) {
        Unregister-PSResourceRepository -Name $name
        Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}
