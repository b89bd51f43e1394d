<#
.SYNOPSIS
    The sandbox for exploring: build.ps1 -Task Sandbox runs it in a fresh pwsh. Starts the local
    sandbox gateway in the foreground with a service binding in a temporary folder, prints the lines to
    paste into another pwsh, and runs until Ctrl+C (or until the sandbox exits); then stops the sandbox
    and removes the folder.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-sandbox-bindings-$PID"
$sandbox = Start-AgwSandbox -BindingRoot $bindings -Configuration $Configuration
try {
    Write-Host ''
    Write-Host "The sandbox gateway runs (pid $($sandbox.pid)): token service $($sandbox.tokenServiceUrl), gateway $($sandbox.gatewayUrl)."
    Write-Host 'Paste these lines into another pwsh:' -ForegroundColor Cyan
    Write-Host ''
    Get-AgwSandboxSetupLine -Sandbox $sandbox -ModulePath $ModulePath | ForEach-Object { Write-Host "    $_" -ForegroundColor Yellow }
    Write-Host ''
    Write-Host "Admin API (revoke, stats, user-jwt, ...): $($sandbox.adminUrl)/admin/ (tests/AgentGateway.Sandbox/README.md)."
    Write-Host 'Press Ctrl+C to stop the sandbox.' -ForegroundColor Cyan
    # Ctrl+C stops this wait; the finally block then stops the sandbox.
    while (-not $sandbox.Process.WaitForExit(500)) { }
    Write-Host "The sandbox exited (code $($sandbox.Process.ExitCode))."
}
finally {
    $sandbox | Stop-AgwSandbox
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host 'Sandbox stopped.'
}
