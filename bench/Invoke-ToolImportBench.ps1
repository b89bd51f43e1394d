<#
.SYNOPSIS
    The tool-import bench (issue #19): Import-McpTool and Export-McpToolModule of a server with thousands of tools.
.DESCRIPTION
    Starts the sandbox gateway and, against its sandbox-many-tools server (5,000 tools, each with five properties:
    a required string, an enum, a ranged integer with a default, a boolean and a nested object), runs each scenario
    -Runs times, each run in a fresh pwsh (the module imported, nothing listed, nothing JIT-compiled yet), and
    times the command alone:
      list     Get-McpTool -Uri: the listing every other scenario starts with.
      import   Import-McpTool -Uri: listing, names (one Get-Command search for collisions), the dynamic module.
      export   Export-McpToolModule -Uri: listing, names, the .psm1 and .psd1 written.
      load     Import-Module of the exported module (written once beforehand).
    Prints a Markdown table (median and slowest wall time, the child's CPU time, and the machine's load average
    at the start of the scenario) and writes it as JSON to -OutputPath. Build first (build.ps1 -Task Build).
.EXAMPLE
    dotnet pwsh ./bench/Invoke-ToolImportBench.ps1 -Runs 5
.EXAMPLE
    dotnet pwsh ./bench/Invoke-ToolImportBench.ps1 -Scenario import -Runs 3 -OutputPath ./import.json
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/AgentGateway'),
    [ValidateRange(1, 100)] [int] $Runs = 3,
    [ValidateSet('list', 'import', 'export', 'load')] [string[]] $Scenario = @('list', 'import', 'export', 'load'),
    [string] $OutputPath = (Join-Path $PSScriptRoot 'results/tool-import.json')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$manifest = Join-Path (Resolve-Path $ModulePath).Path 'AgentGateway.psd1'
$process = [Environment]::ProcessPath
$pwsh = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, (Join-Path $PSHOME 'pwsh.dll')) } else { @($process) }
$work = Join-Path ([IO.Path]::GetTempPath()) "agw-tool-import-bench-$PID"
$null = New-Item -ItemType Directory -Force $work

# What a child runs: the scenario alone is timed (wall and the process's CPU time).
$child = @'
param($Manifest, $CaPath, $Uri, $Scenario, $Folder)
$ErrorActionPreference = 'Stop'
Import-Module $Manifest
Set-AgwClientConfig -TrustedCaPath $CaPath
$me = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $me.TotalProcessorTime
$watch = [Diagnostics.Stopwatch]::StartNew()
$result = switch ($Scenario) {
    'list' { @(Get-McpTool -Uri $Uri) }
    'import' { Import-McpTool -Uri $Uri -PassThru -ProgressAction SilentlyContinue }
    'export' { $null = Export-McpToolModule -Uri $Uri -Path $Folder -Force -ProgressAction SilentlyContinue }
    'load' { Import-Module (Join-Path $Folder "$(Split-Path $Folder -Leaf).psd1") -PassThru }
}
$wall = $watch.Elapsed.TotalMilliseconds
$me.Refresh()
$cpu = ($me.TotalProcessorTime - $cpu).TotalMilliseconds
$count = switch ($Scenario) {
    'list' { $result.Count }
    'export' { (Import-PowerShellDataFile -SkipLimitCheck (Join-Path $Folder "$(Split-Path $Folder -Leaf).psd1")).FunctionsToExport.Count }
    default { $result.ExportedFunctions.Count }
}
[pscustomobject]@{ Count = $count; WallMs = [math]::Round($wall, 1); CpuMs = [math]::Round($cpu, 1) } | ConvertTo-Json -Compress
'@
$childPath = Join-Path $work 'child.ps1'
Set-Content -Path $childPath -Value $child

function Get-LoadAverage { if (Test-Path /proc/loadavg) { [double]((Get-Content /proc/loadavg) -split ' ')[0] } else { $null } }

$sandbox = Start-AgwSandbox -BindingRoot (Join-Path $work 'bindings')
$savedRoot = $env:SERVICE_BINDING_ROOT
try {
    $env:SERVICE_BINDING_ROOT = Join-Path $work 'bindings'
    $uri = $sandbox.servers.'sandbox-many-tools'
    $folder = Join-Path $work 'ManyTools'
    # load imports what export wrote: export runs first whenever load is asked for.
    $scenarios = @('list', 'import', 'export', 'load') | Where-Object { $_ -in $Scenario -or ($_ -eq 'export' -and 'load' -in $Scenario) }
    $rows = foreach ($scenario in $scenarios) {
        $load = Get-LoadAverage
        $results = foreach ($run in 1..$Runs) {
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $childPath `
                -Manifest $manifest -CaPath $sandbox.caCertificatePath -Uri $uri -Scenario $scenario -Folder $folder 2>&1
            if ($LASTEXITCODE -ne 0) { throw "The $scenario run failed:`n$($output -join "`n")" }
            $output | Select-Object -Last 1 | ConvertFrom-Json
        }
        $walls = @($results.WallMs | Sort-Object)
        [pscustomobject]@{
            Scenario      = $scenario
            Tools         = $results[0].Count
            Runs          = $Runs
            MedianWallMs  = $walls[[int][math]::Floor(($walls.Count - 1) / 2)]
            SlowestWallMs = $walls[-1]
            MedianCpuMs   = @($results.CpuMs | Sort-Object)[[int][math]::Floor(($walls.Count - 1) / 2)]
            LoadAverage   = $load
        }
    }
}
finally {
    $env:SERVICE_BINDING_ROOT = $savedRoot
    Stop-AgwSandbox $sandbox
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

'| scenario | tools | runs | median wall ms | slowest wall ms | median CPU ms | load average |'
'|---|--:|--:|--:|--:|--:|--:|'
foreach ($row in $rows) { "| $($row.Scenario) | $($row.Tools) | $($row.Runs) | $($row.MedianWallMs) | $($row.SlowestWallMs) | $($row.MedianCpuMs) | $($row.LoadAverage) |" }

$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath -Parent)
[pscustomobject]@{
    Date        = (Get-Date).ToUniversalTime().ToString('o')
    Machine     = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"
    Runtime     = [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    PowerShell  = $PSVersionTable.PSVersion.ToString()
    Scenarios   = $rows
} | ConvertTo-Json -Depth 4 | Set-Content -Path $OutputPath
"Written to $OutputPath"
