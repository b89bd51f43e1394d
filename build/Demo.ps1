<#
.SYNOPSIS
    The demo: the built module against the local sandbox gateway. build.ps1 -Task Demo runs it
    in a fresh pwsh. It starts the sandbox, points the module at the sandbox's service binding,
    lists tools, calls one, revokes every token to show one renewal, and prints the cache counters.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

function Show-Step([string] $Title, [string] $Command) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    Write-Host "PS> $Command" -ForegroundColor Yellow
}

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-demo-$PID"
$sandbox = Start-AgwSandbox -BindingRoot $bindings
try {
    $env:SERVICE_BINDING_ROOT = $bindings
    Import-Module (Join-Path $ModulePath 'AgentGateway.psd1')
    Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath

    Show-Step 'Where the credentials come from (a servicebinding.io folder written by the sandbox)' 'Get-AgwClientConfig'
    Get-AgwClientConfig | Out-Host

    Show-Step 'Every tool of every server the credentials name (one server is down on purpose)' 'Get-McpTool | Format-Table'
    Get-McpTool -ErrorAction SilentlyContinue -ErrorVariable listingErrors | Format-Table | Out-Host
    foreach ($e in $listingErrors) { Write-Host "error [$($e.FullyQualifiedErrorId)] $($e.TargetObject): $($e.Exception.Message)" -ForegroundColor Red }

    Show-Step 'Call a tool' "Get-McpTool -Name echo | Invoke-McpTool -Arguments @{ message = 'Hello from PowerShell' }"
    Get-McpTool -OrdId '*travel*' -Name echo | Invoke-McpTool -Arguments @{ message = 'Hello from PowerShell' } | Out-Host

    Show-Step 'Structured content comes back as objects' "Invoke-McpTool -Name get-weather -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ city = 'Walldorf' }"
    (Invoke-McpTool -Name get-weather -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ city = 'Walldorf' }).StructuredContent | Out-Host

    Show-Step 'The gateway revokes every token; the next call renews once and goes through' "`$echo | Invoke-McpTool -Arguments @{ message = 'still here' } -Verbose"
    $echo = Get-McpTool -OrdId '*travel*' -Name echo
    Invoke-AgwSandboxAdmin $sandbox revoke | Out-Null
    $echo | Invoke-McpTool -Arguments @{ message = 'still here' } -Verbose | Out-Host

    Show-Step 'What the cache did' 'Get-AgwTokenCache; Get-AgwTokenCache -Statistics'
    Get-AgwTokenCache | Out-Host
    Get-AgwTokenCache -Statistics | Out-Host

    Show-Step 'What the sandbox saw' 'token requests, initialize handshakes, 401s'
    $stats = Invoke-AgwSandboxAdmin $sandbox stats -Method Get
    [pscustomobject]@{
        TokenRequests = $stats.tokenRequests
        Initialize    = $stats.initialize
        ToolsCall     = $stats.toolsCall
        Unauthorized  = $stats.unauthorized401
    } | Format-List | Out-Host
}
finally {
    $sandbox | Stop-AgwSandbox
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
}
