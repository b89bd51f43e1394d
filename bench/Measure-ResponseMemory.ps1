<#
.SYNOPSIS
    The memory a large MCP answer takes through the module (issue #19, defect 6): peak working set of a pwsh that
    calls a tool whose result is N MB of text, per scenario, as a multiple of the answer's size.
.DESCRIPTION
    Starts the sandbox gateway (its hand-written sandbox-hostile-results server writes a text result of any size as
    it goes, keeping none of it), then runs each scenario in a fresh pwsh with the module imported: one warm-up call
    (session, listing, JIT), a full garbage collection, the working set then as the baseline, the scenario, and the
    peak working set of the process at the end. Growth = peak - baseline; "x answer" = growth / the answer's size,
    "x limit" = growth / MaxResponseSizeMB. A measurement, not a test: it varies with the machine and the GC; run
    it on a quiet machine. Writes the table as JSON to -OutputPath and prints it.

      json-1      one call, a -SizeMB text result as a JSON body, the result kept in a variable and its text read
      json-keep   the same, the result kept but its text never read
      sse-1       the same as an event stream
      bulk-16     -Count calls of -SizeMB at -ThrottleLimit 16, results discarded (| Out-Null)
      error-1     one call whose answer is a JSON-RPC error of -SizeMB (half its message, half its data), as a JSON
                  body; the error kept in a variable and its message's length read
      error-sse   the same as an event stream
      over-limit  one call whose answer is twice MaxResponseSizeMB (fails at the limit)
      endless     one call whose event's data line never ends (fails at the limit)

    -ModulePath can point at another build (say one of main, before a change) to compare; a build without
    MaxResponseSizeMB runs the scenarios without setting it.
.EXAMPLE
    dotnet pwsh ./bench/Measure-ResponseMemory.ps1 -SizeMB 20
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/AgentGateway'),
    [ValidateRange(1, 512)] [int] $SizeMB = 20,
    [ValidateRange(1, 256)] [int] $Count = 32,
    [ValidateRange(1, 1024)] [double] $LimitMB = 32,
    [string[]] $Scenario = @('json-1', 'json-keep', 'sse-1', 'bulk-16', 'error-1', 'error-sse', 'over-limit', 'endless'),
    [string] $OutputPath = (Join-Path $PSScriptRoot 'results/response-memory.json'),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$manifest = Join-Path (Resolve-Path $ModulePath).Path 'AgentGateway.psd1'
$pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
$bytes = [long] $SizeMB * 1MB
$limitBytes = [long] ($LimitMB * 1MB)

# One scenario in a fresh pwsh; returns its baseline and peak working set and what the calls gave.
function Invoke-Scenario([string] $Name, [string] $Code, [hashtable] $Sandbox) {
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$env:SERVICE_BINDING_ROOT = '$($Sandbox.BindingRoot)'
`$limit = (Get-Command Set-AgwClientConfig).Parameters.ContainsKey('MaxResponseSizeMB')
if (`$limit) { Set-AgwClientConfig -TrustedCaPath '$($Sandbox.Ca)' -MaxResponseSizeMB $LimitMB } else { Set-AgwClientConfig -TrustedCaPath '$($Sandbox.Ca)' }
`$uri = '$($Sandbox.Uri)'
`$null = Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'text'; size = 1024 }
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$process = [Diagnostics.Process]::GetCurrentProcess()
`$process.Refresh()
`$baseline = `$process.WorkingSet64
`$outcome = try { $Code } catch { 'failed: ' + `$_.FullyQualifiedErrorId }
`$process.Refresh()
[pscustomobject]@{ Baseline = `$baseline; Peak = `$process.PeakWorkingSet64; Outcome = "`$outcome"; Limited = `$limit } | ConvertTo-Json -Compress
"@
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)
    $output = & $pwsh[0] @arguments
    if ($LASTEXITCODE -ne 0) { throw "Scenario $Name failed: $output" }
    $output | Select-Object -Last 1 | ConvertFrom-Json
}

$scenarios = [ordered]@{
    'json-1'     = @{ Answer = $bytes; InFlight = 1; Code = "`$r = Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'text'; size = $bytes }; `"text of `$(`$r.Text.Length) chars`"" }
    'json-keep'  = @{ Answer = $bytes; InFlight = 1; Code = "`$r = Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'text'; size = $bytes }; 'kept'" }
    'sse-1'      = @{ Answer = $bytes; InFlight = 1; Code = "`$r = Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'text-sse'; size = $bytes }; `"text of `$(`$r.Text.Length) chars`"" }
    'bulk-16'    = @{ Answer = $bytes; InFlight = 16; Code = "1..$Count | ForEach-Object { @{ kind = 'text'; size = $bytes } } | Invoke-McpTool -Uri `$uri -Name answer -ThrottleLimit 16 | Out-Null; '$Count calls'" }
    'error-1'    = @{ Answer = $bytes; InFlight = 1; Code = "try { Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'huge-error'; size = $([long]($bytes / 2)) } -ErrorAction Stop | Out-Null; 'no error' } catch { `$e = `$_; `"error, message of `$(`$e.Exception.RpcErrorMessage.Length) chars`" }" }
    'error-sse'  = @{ Answer = $bytes; InFlight = 1; Code = "try { Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'huge-error-sse'; size = $([long]($bytes / 2)) } -ErrorAction Stop | Out-Null; 'no error' } catch { `$e = `$_; `"error, message of `$(`$e.Exception.RpcErrorMessage.Length) chars`" }" }
    'over-limit' = @{ Answer = 2 * $limitBytes; InFlight = 1; Code = "Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'text'; size = $(2 * $limitBytes) } | Out-Null; 'no error'" }
    'endless'    = @{ Answer = $null; InFlight = 1; Code = "Invoke-McpTool -Uri `$uri -Name answer -Arguments @{ kind = 'endless-sse' } -TimeoutSec 20 | Out-Null; 'no error'" }
}

$root = Join-Path ([IO.Path]::GetTempPath()) "agw-memory-$PID"
$sandbox = Start-AgwSandbox -BindingRoot $root -Configuration $Configuration
try {
    $target = @{ BindingRoot = $root; Ca = $sandbox.caCertificatePath; Uri = $sandbox.servers.'sandbox-hostile-results' }
    $rows = foreach ($name in $Scenario) {
        $s = $scenarios[$name]
        $measured = Invoke-Scenario $name $s.Code $target
        $growth = $measured.Peak - $measured.Baseline
        [pscustomobject]@{
            Scenario     = $name
            AnswerMB     = if ($s.Answer) { [math]::Round($s.Answer / 1MB, 1) } else { $null }
            InFlight     = $s.InFlight
            LimitMB      = if ($measured.Limited) { $LimitMB } else { $null }
            BaselineMB   = [math]::Round($measured.Baseline / 1MB)
            PeakMB       = [math]::Round($measured.Peak / 1MB)
            GrowthMB     = [math]::Round($growth / 1MB)
            XAnswer      = if ($s.Answer) { [math]::Round($growth / ($s.Answer * $s.InFlight), 2) } else { $null }
            XLimit       = [math]::Round($growth / $limitBytes, 2)
            BoundXLimit  = $s.InFlight + 1
            Outcome      = $measured.Outcome
        }
    }
}
finally {
    Stop-AgwSandbox $sandbox
    Remove-Item -Recurse -Force -LiteralPath $root -ErrorAction Ignore
}

$rows | Format-Table -AutoSize | Out-String | Write-Host
$report = [ordered]@{
    when          = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ')
    module        = (Resolve-Path $ModulePath).Path
    machine       = @{ cores = [Environment]::ProcessorCount; os = [Runtime.InteropServices.RuntimeInformation]::OSDescription; load = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg) } else { $null } }
    sizeMB        = $SizeMB
    limitMB       = $LimitMB
    scenarios     = @($rows)
}
$directory = Split-Path -Parent $OutputPath
if ($directory) { New-Item -ItemType Directory -Force -Path $directory | Out-Null }
$report | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $OutputPath
Write-Host "Written to $OutputPath"
