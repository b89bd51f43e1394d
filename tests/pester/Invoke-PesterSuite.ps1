<#
.SYNOPSIS
    Runs the Pester suite against a built module; build.ps1 -Task Test starts it in a child pwsh
    so that the build session never loads the module's dlls.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:AGW_TEST_MODULE_PATH = $ModulePath

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.xml')

$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $ResultPath
exit ([int]($failed -gt 0))
