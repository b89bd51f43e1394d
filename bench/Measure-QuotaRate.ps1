<#
.SYNOPSIS
    The quota bench (issue #25): a -ThrottleLimit batch against a gateway quota, and the rate it reaches.
.DESCRIPTION
    Starts the sandbox gateway with a quota of -PerSecond MCP requests a second (past it: 429 with Retry-After: 1,
    the request not processed), pipes -Rows rows into Invoke-McpTool -Name echo -ThrottleLimit -ThrottleLimit, and
    prints the results, the errors, the calls the server ran (each must run once), the 429s it answered, the wall
    time and the rate as a share of the quota (target: 75% or more). The same batch runs once without the quota
    first: on a loaded machine the batch itself may not reach the quota's rate, and ShareOfReachable is the rate as
    a share of the lower of the two. Build first (build.ps1 -Task Build).
.EXAMPLE
    dotnet pwsh ./bench/Measure-QuotaRate.ps1
.EXAMPLE
    dotnet pwsh ./bench/Measure-QuotaRate.ps1 -Rows 5000 -PerSecond 500 -ThrottleLimit 64
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/AgentGateway'),
    [ValidateRange(1, 100000)] [int] $Rows = 2000,
    [ValidateRange(1, 100000)] [int] $PerSecond = 200,
    [ValidateRange(1, 1024)] [int] $ThrottleLimit = 32
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

Import-Module (Join-Path (Resolve-Path $ModulePath).Path 'AgentGateway.psd1')
$work = Join-Path ([IO.Path]::GetTempPath()) "agw-quota-bench-$PID"
$sandbox = Start-AgwSandbox -BindingRoot (Join-Path $work 'bindings')
try {
    Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath -CredentialPath (Join-Path $sandbox.bindingPath 'credentials')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'warm' }
    $inputs = 1..$Rows | ForEach-Object { @{ message = "row $_" } }

    # The same batch without the quota first: what this machine reaches at all (a loaded machine reaches less than the quota).
    Invoke-AgwSandboxAdmin $sandbox quota -Query @{ perSecond = 0 } | Out-Null
    $baseline = [Diagnostics.Stopwatch]::StartNew()
    $null = $inputs | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit $ThrottleLimit -ProgressAction SilentlyContinue
    $baseline.Stop()
    Start-Sleep -Seconds 1
    Invoke-AgwSandboxAdmin $sandbox reset-stats
    Invoke-AgwSandboxAdmin $sandbox quota -Query @{ perSecond = $PerSecond } | Out-Null

    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = @($inputs | Invoke-McpTool -Name echo -OrdId $travel -ThrottleLimit $ThrottleLimit -ErrorVariable failures -ErrorAction SilentlyContinue -ProgressAction SilentlyContinue)
    $watch.Stop()
    $stats = Invoke-AgwSandboxAdmin $sandbox stats -Method Get

    $rate = $Rows / $watch.Elapsed.TotalSeconds
    [pscustomobject]@{
        Rows            = $Rows
        ThrottleLimit   = $ThrottleLimit
        QuotaPerSecond  = $PerSecond
        Results         = $results.Count
        Errors          = @($failures).Count
        ServerRan       = $stats.toolsCall
        Server429       = $stats.quotaRejected429
        Seconds         = [math]::Round($watch.Elapsed.TotalSeconds, 2)
        CallsPerSecond  = [math]::Round($rate, 1)
        ShareOfQuota    = '{0:P0}' -f ($rate / $PerSecond)
        UnthrottledRate = [math]::Round($Rows / $baseline.Elapsed.TotalSeconds, 1)
        ShareOfReachable = '{0:P0}' -f ($rate / [math]::Min($PerSecond, $Rows / $baseline.Elapsed.TotalSeconds))
    }
}
finally {
    Stop-AgwSandbox $sandbox
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
