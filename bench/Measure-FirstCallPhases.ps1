<#
.SYNOPSIS
    Where the first call of a fresh pwsh spends its time (issue #20): the bench's first call (import,
    Set-AgwClientConfig -TrustedCaPath, Invoke-McpTool -Uri on the sandbox's loopback gateway with a bearer token),
    cut into phases by the HTTP, TLS and socket events of the call itself.
.DESCRIPTION
    Starts the sandbox, then runs -Runs fresh pwsh processes per module given (alternating, after one untimed run each
    so that the sandbox's own first requests are not counted). In each, an EventListener on System.Net.Http,
    System.Net.Security and System.Net.Sockets, and the assembly loads, stamp every event with the time, the methods
    JIT-compiled so far (System.Runtime.JitInfo, all threads, tier-ups included), the JIT's time and the process's CPU
    time; marks stand between the import, the configuration and the call. Prints, per module, the median of each
    phase: wall ms, methods JIT-compiled, JIT ms, CPU ms. The listener is compiled once, here, so that the children
    only load it. Diagnostic: the listener itself makes HTTP telemetry active, which costs a little.
.EXAMPLE
    dotnet pwsh bench/Measure-FirstCallPhases.ps1 -ModulePath out/AgentGateway, /tmp/main-module -Runs 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $ModulePath,
    [ValidateRange(1, 50)] [int] $Runs = 3,
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$listenerSource = @'
using System.Diagnostics;
using System.Diagnostics.Tracing;
namespace AgwBench;
public sealed class PhaseListener : EventListener
{
    private static readonly long s_start = Stopwatch.GetTimestamp();
    private static readonly System.Collections.Generic.List<string> s_lines = new();
    private static PhaseListener s_instance;
    public static void Start()
    {
        s_instance ??= new PhaseListener();
        System.AppDomain.CurrentDomain.AssemblyLoad += (_, a) => Add("load " + a.LoadedAssembly.GetName().Name);
    }
    public static void Mark(string what) => Add("mark " + what);
    public static string Dump() { lock (s_lines) { return string.Join("\n", s_lines); } }
    private static void Add(string what)
    {
        var line = string.Join("\t", Stopwatch.GetElapsedTime(s_start).TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount(false),
            System.Runtime.JitInfo.GetCompilationTime(false).TotalMilliseconds, Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds, what);
        lock (s_lines) { s_lines.Add(line); }
    }
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name is "System.Net.Http" or "System.Net.Security" or "System.Net.Sockets") { EnableEvents(source, EventLevel.Informational); }
    }
    protected override void OnEventWritten(EventWrittenEventArgs e) => Add(e.EventSource.Name + " " + e.EventName);
}
'@
$listener = Join-Path ([IO.Path]::GetTempPath()) "agw-phase-listener-$PID.dll"
Add-Type -TypeDefinition $listenerSource -OutputAssembly $listener -OutputType Library

$child = @'
Add-Type -Path '@LISTENER@'
[AgwBench.PhaseListener]::Start(); [AgwBench.PhaseListener]::Mark('start')
Import-Module '@MANIFEST@'
[AgwBench.PhaseListener]::Mark('imported')
Set-AgwClientConfig -TrustedCaPath '@CA@'
[AgwBench.PhaseListener]::Mark('configured')
$null = Invoke-McpTool -Uri '@URI@' -Name echo -Arguments @{ message = 'bench' } -AccessToken $env:AGW_BENCH_TOKEN -ErrorAction Stop
[AgwBench.PhaseListener]::Mark('called')
[AgwBench.PhaseListener]::Dump()
'@

# The phases of one run's events: from one event to the next of interest (the n-th request start or stop, the handshake).
function Get-Phases([string[]] $Lines) {
    $events = @($Lines | ForEach-Object { $f = $_ -split "`t", 5; [pscustomobject]@{ Ms = [double]$f[0]; Jit = [int]$f[1]; JitMs = [double]$f[2]; Cpu = [double]$f[3]; What = $f[4] } })
    $at = { param([string] $what, [int] $nth = 0) @($events | Where-Object What -EQ $what)[$nth] }
    $start = { param([int] $n) & $at 'System.Net.Http RequestStart' $n }
    $stop = { param([int] $n) & $at 'System.Net.Http RequestStop' $n }
    $requests = @($events | Where-Object What -EQ 'System.Net.Http RequestStart').Count
    if ($requests -ne 5) { throw "Expected 5 HTTP requests (discover, initialize, initialized, tools/list, tools/call), saw $requests." }
    $points = [ordered]@{
        'Import-Module'                                          = (& $at 'mark start'), (& $at 'mark imported')
        'Set-AgwClientConfig -TrustedCaPath'                     = (& $at 'mark imported'), (& $at 'mark configured')
        'Invoke-McpTool to its first request (binding, engine load, pool, SDK client)' = (& $at 'mark configured'), (& $start 0)
        'connection and TLS handshake'                           = (& $start 0), (& $at 'System.Net.Security HandshakeStop')
        'server/discover (answered 400: initialize needed)'      = (& $at 'System.Net.Security HandshakeStop'), (& $stop 0)
        'initialize (from the discover answer)'                  = (& $stop 0), (& $stop 1)
        'notifications/initialized'                              = (& $stop 1), (& $stop 2)
        'tools/list (from the notification)'                     = (& $stop 2), (& $stop 3)
        'listing read, schema built, arguments checked'          = (& $stop 3), (& $start 4)
        'tools/call'                                             = (& $start 4), (& $stop 4)
        'result converted and written'                           = (& $stop 4), (& $at 'mark called')
        'total'                                                  = (& $at 'mark start'), (& $at 'mark called')
    }
    foreach ($name in $points.Keys) {
        $a, $b = $points[$name]
        [pscustomobject]@{ Phase = $name; Ms = $b.Ms - $a.Ms; Jit = $b.Jit - $a.Jit; JitMs = $b.JitMs - $a.JitMs; Cpu = $b.Cpu - $a.Cpu }
    }
}

function Get-Median([double[]] $Values) { $s = $Values | Sort-Object; $n = $s.Count; if ($n % 2) { $s[($n - 1) / 2] } else { ($s[$n / 2 - 1] + $s[$n / 2]) / 2 } }

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-phases-$PID"
$sandbox = Start-AgwSandbox -BindingRoot $bindings -Configuration $Configuration
try {
    $manifests = @($ModulePath | ForEach-Object { Join-Path (Resolve-Path $_).Path 'AgentGateway.psd1' })
    $env:SERVICE_BINDING_ROOT = $bindings
    Import-Module $manifests[0]
    Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath
    $ordId = 'sap.sandbox:mcpServer:travel:v1'
    $dependency = @($sandbox.dependencies | Where-Object ordId -EQ $ordId)[0]
    $env:AGW_BENCH_TOKEN = (Get-AgwAccessToken -AsPlainText).Token
    $env:SERVICE_BINDING_ROOT = $null
    $uri = "$($sandbox.gatewayUrl.TrimEnd('/'))/v1/mcp/$([uri]::EscapeDataString($ordId))/$($dependency.globalTenantId)"
    $pwsh = @([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
    $results = @{}
    foreach ($run in 0..$Runs) {
        foreach ($manifest in $manifests) {
            $script = $child.Replace('@LISTENER@', $listener).Replace('@MANIFEST@', $manifest.Replace("'", "''")).Replace('@CA@', $sandbox.caCertificatePath.Replace("'", "''")).Replace('@URI@', $uri)
            $lines = & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script))
            if ($LASTEXITCODE -ne 0) { throw "The first call failed in a child pwsh: $($lines -join "`n")" }
            if ($run -eq 0) { continue }   # the untimed run: the sandbox's own first requests
            if (-not $results.ContainsKey($manifest)) { $results[$manifest] = [Collections.Generic.List[object]]::new() }
            $results[$manifest].Add(@(Get-Phases ($lines | Where-Object { $_ -match "`t" })))
        }
    }
    foreach ($manifest in $manifests) {
        $load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 1
        Write-Host "`n$manifest, median of $Runs (load average now $load)" -ForegroundColor Cyan
        '| phase | wall ms | methods JIT-compiled | JIT ms | CPU ms |'
        '|---|--:|--:|--:|--:|'
        $runsOf = $results[$manifest]
        for ($i = 0; $i -lt $runsOf[0].Count; $i++) {
            $m = { param($p) Get-Median @($runsOf | ForEach-Object { $_[$i].$p }) }
            '| {0} | {1:0} | {2:0} | {3:0} | {4:0} |' -f $runsOf[0][$i].Phase, (& $m 'Ms'), (& $m 'Jit'), (& $m 'JitMs'), (& $m 'Cpu')
        }
    }
}
finally {
    $env:AGW_BENCH_TOKEN = $null
    $sandbox | Stop-AgwSandbox
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item $listener -ErrorAction SilentlyContinue
}
