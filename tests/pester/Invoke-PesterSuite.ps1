<#
.SYNOPSIS
    Runs the Pester suite (and the example suites) against a built module; build.ps1 -Task Test starts
    it in a child pwsh so that the build session never loads the module's dlls.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    # The example suites (examples/), run like a suite of another repository would run them: the module
    # by path in AGW_MODULE, the installed sandbox tool in AGW_SANDBOX_COMMAND.
    [string] $ExamplePath,
    [string] $SandboxCommand
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:AGW_TEST_MODULE_PATH = $ModulePath
$env:AGW_MODULE = Join-Path $ModulePath 'AgentGateway.psd1'
if ($SandboxCommand) { $env:AGW_SANDBOX_COMMAND = $SandboxCommand }

$config = New-PesterConfiguration
$config.Run.Path = @($PSScriptRoot; if ($ExamplePath) { $ExamplePath })
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
