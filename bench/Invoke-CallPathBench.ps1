<#
.SYNOPSIS
    The call-path bench (issue #6): what one tool call costs through the module, against the ways
    clients without the module's caches call the same tool, and against a raw HTTP floor.
.DESCRIPTION
    build.ps1 -Task Bench runs this in a fresh pwsh after building. Everything runs in this one process
    against one sandbox gateway, so the ratios compare runs on the same machine, runtime and connection:
      (a)  Invoke-McpTool in this runspace: warm token cache, pooled MCP session.
      (a') the engine without the cmdlet: PrepareCallAsync + InvokeAsync on a warm AgwSession.
      (b)  no cache: a token request and a fresh MCP session (initialize ... DELETE) per call.
      (c)  one cached token, a fresh MCP session per call.
      (d)  the floor: raw tools/call POSTs on one kept-alive HttpClient, fixed token, one session.
      burst: 64 concurrent first callers on a fresh engine session.
    First every sequential scenario runs -WarmupCalls untimed calls (JIT warm-up, so the scenario timed
    first does not pay for the code paths all share). Then each makes one untimed warm-up call and -Calls
    timed calls; the sandbox counters are reset before each scenario, so its token requests and
    initialize handshakes count that warm-up call + the timed calls.
    Then the Import-Module time of the built module in a fresh pwsh. Prints a Markdown table, the
    targets met/missed and the import times; writes them as JSON to -OutputPath.
    -LatencyMs makes the sandbox wait that long before each MCP request and each token response: a
    network round trip, simulated (TLS handshakes are not delayed). 0, the default, is plain loopback.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BenchAssemblyPath,
    [ValidateRange(1, 100000)] [int] $Calls = 300,
    [ValidateRange(1, 100)] [int] $ImportRuns = 7,
    [ValidateRange(1, 1024)] [int] $BurstCallers = 64,
    [ValidateRange(0, 1000)] [int] $LatencyMs = 0,
    [ValidateRange(0, 100000)] [int] $WarmupCalls = 100,
    [string] $OutputPath = (Join-Path $PSScriptRoot $(if ($LatencyMs -gt 0) { "results/latest-latency-$($LatencyMs)ms.json" } else { 'results/latest.json' })),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$OrdId = 'sap.sandbox:mcpServer:travel:v1'
$Manifest = Join-Path (Resolve-Path $ModulePath).Path 'AgentGateway.psd1'

# ---- loading ----------------------------------------------------------------------------------

# The module first, then the bench library INTO the module's own load context (docs/architecture.md,
# Dependency isolation): its references to the engine and the MCP SDK then resolve to the copies the
# module loads from out/AgentGateway/dependencies. The engine is reached through the type Get-AgwClientConfig
# declares it outputs (an engine type), so no cmdlet runs before the sandbox is up. PowerShell's type
# literals see only the default load context, so the bench types are taken from the loaded assembly.
function Import-BenchAssembly {
    Import-Module $Manifest
    $engine = (Get-Command Get-AgwClientConfig -Module AgentGateway).OutputType[0].Type.Assembly
    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
    if ($context -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { throw 'The module loaded its engine into the default load context: it is not isolated.' }
    $bench = $context.LoadFromAssemblyPath((Resolve-Path $BenchAssemblyPath).Path)
    $reference = $bench.GetReferencedAssemblies() | Where-Object Name -eq 'AgentGateway.Engine'
    if ($engine.GetName().Version -ne $reference.Version) {
        throw 'The bench library was built against another engine version than the module carries.'
    }
    # $BenchScenarios, $BenchPercentile, ... ($BenchTarget for BenchTarget), in this script's scope.
    foreach ($name in 'Scenarios', 'Percentile', 'TimedRun', 'CountingLogSink', 'BenchTarget', 'HttpConnectionCounter') {
        Set-Variable -Scope Script -Name ($name -replace '^(?!Bench)', 'Bench') -Value $bench.GetType("AgentGateway.CallPathBench.$name", $true)
    }
}

# After the scenarios ran (assemblies load lazily): the engine and the MCP SDK are loaded once, from the
# module's dependencies folder, into the module's load context.
function Assert-SharedAssemblies {
    $dependencies = Join-Path (Resolve-Path $ModulePath).Path 'dependencies'
    foreach ($name in 'AgentGateway.Engine', 'ModelContextProtocol.Core') {
        $copies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name })
        if ($copies.Count -ne 1) { throw "$name is loaded $($copies.Count) times: $(@($copies | ForEach-Object Location) -join ', ')" }
        if ((Split-Path $copies[0].Location) -ne $dependencies) { throw "$name is loaded from $($copies[0].Location), not from $dependencies." }
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($copies[0]).Name
        Write-Host "  $name loaded once, from $($copies[0].Location), into load context '$context'" -ForegroundColor DarkGray
    }
}

# ---- measuring --------------------------------------------------------------------------------

function Get-SandboxCounters($Sandbox) {
    $s = Invoke-AgwSandboxAdmin $Sandbox stats -Method Get
    # tlsHandshakes: the token service's (mTLS); gatewayTlsHandshakes: the gateway's, one per connection.
    [pscustomobject]@{ TokenRequests = $s.tokenRequests; Initialize = $s.initialize; TlsHandshakes = $s.tlsHandshakes; GatewayTlsHandshakes = $s.gatewayTlsHandshakes; ToolsCall = $s.toolsCall }
}

# Resets the sandbox counters, runs the scenario (it returns a TimedRun: per-call durations in ms, CPU ms over them) and reads the counters.
function Measure-Scenario {
    param($Sandbox, [string] $Name, [string] $Description, [scriptblock] $Run, [switch] $Diagnostic)
    Write-Host "  $Name ..." -ForegroundColor DarkGray
    $null = Invoke-AgwSandboxAdmin $Sandbox reset-stats
    $timed = & $Run
    [double[]] $durations = $timed.DurationsMs
    $counters = Get-SandboxCounters $Sandbox
    [pscustomobject]@{
        name          = $Name
        description   = $Description
        calls         = $durations.Count
        medianMs      = [Math]::Round($BenchPercentile::Median($durations), 3)
        p95Ms         = [Math]::Round($BenchPercentile::P95($durations), 3)
        tokenRequests = $counters.TokenRequests
        initialize    = $counters.Initialize
        tlsHandshakes = $counters.TlsHandshakes
        gatewayTlsHandshakes = $counters.GatewayTlsHandshakes
        toolsCall     = $counters.ToolsCall
        cpuMsPerCall  = [Math]::Round($timed.CpuMs / $durations.Count, 3)
        minMs         = [Math]::Round(($durations | Measure-Object -Minimum).Minimum, 3)
        maxMs         = [Math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        diagnostic    = $Diagnostic.IsPresent
    }
}

# (a): the cmdlet, one warm-up call (it fetches the token and opens the session), then $Calls timed calls.
function Invoke-ModuleCalls([int] $Count = $Calls) {
    Clear-AgwTokenCache   # no token, no session: the warm-up call below makes the only ones the counters see
    $null = Invoke-McpTool -OrdId $OrdId -Name echo -Arguments @{ message = 'bench' }
    $durations = [double[]]::new($Count)
    $watch = [Diagnostics.Stopwatch]::new()
    $cpuBefore = $BenchTimedRun::ProcessCpuMs()
    for ($i = 0; $i -lt $Count; $i++) {
        $watch.Restart()
        $null = Invoke-McpTool -OrdId $OrdId -Name echo -Arguments @{ message = 'bench' }
        $watch.Stop()
        $durations[$i] = $watch.Elapsed.TotalMilliseconds
    }
    $BenchTimedRun::new($durations, $BenchTimedRun::ProcessCpuMs() - $cpuBefore)
}

function Wait-Bench($Task) { $Task.GetAwaiter().GetResult() }

# Every sequential scenario, $WarmupCalls untimed calls, before any is timed: the code paths they share
# (HttpClient, the SDK, the engine) reach the JIT's optimized tier first, so the scenario timed first is
# not the one that pays for it. The burst cannot be warmed (it needs a cold session) and runs later anyway.
function Invoke-JitWarmUp($Target, $S) {
    if ($WarmupCalls -le 0) { return }
    Write-Host "  JIT warm-up: $WarmupCalls untimed calls of every sequential scenario ..." -ForegroundColor DarkGray
    $sink = $BenchCountingLogSink::new()
    $null = Invoke-ModuleCalls $WarmupCalls
    foreach ($run in @(
            { $S::RunNoCacheAsync($Target, $WarmupCalls) }, { $S::RunCachedTokenFreshSessionAsync($Target, $WarmupCalls) },
            { $S::RunRawFloorAsync($Target, $WarmupCalls) }, { $S::RunSdkPooledClientAsync($Target, $WarmupCalls) },
            { $S::RunEngineCallOnlyAsync($Target, $WarmupCalls) }, { $S::RunEngineDirectAsync($Target, $WarmupCalls) },
            { $S::RunEngineDirectWithLogSinkAsync($Target, $WarmupCalls, $sink) }, { $S::RunNoCacheNoConnectionReuseAsync($Target, $WarmupCalls) })) {
        $null = Wait-Bench (& $run)
    }
}

function Invoke-Scenarios($Sandbox) {
    $target = $BenchTarget::Create($OrdId, $Sandbox.caCertificatePath)
    try {
        $S = $BenchScenarios
        Invoke-JitWarmUp $target $S
        $sink = $BenchCountingLogSink::new()
        Measure-Scenario $Sandbox 'a' 'Invoke-McpTool, one runspace, warm token cache, pooled MCP session' { Invoke-ModuleCalls }
        Measure-Scenario $Sandbox 'b' 'no cache: token request + fresh MCP session (initialize, tools/call, DELETE) per call' { Wait-Bench $S::RunNoCacheAsync($target, $Calls) }
        Measure-Scenario $Sandbox 'c' 'cached token, fresh MCP session (initialize, tools/call, DELETE) per call' { Wait-Bench $S::RunCachedTokenFreshSessionAsync($target, $Calls) }
        Measure-Scenario $Sandbox 'd' 'floor: raw tools/call POST, kept-alive HttpClient, fixed token, one session' { Wait-Bench $S::RunRawFloorAsync($target, $Calls) }
        $connections = $BenchHttpConnectionCounter::new()
        try {
            $burst = Measure-Scenario $Sandbox 'burst' "$BurstCallers concurrent first callers on a fresh engine session (latency from release)" { Wait-Bench $S::RunColdBurstAsync($target, $BurstCallers) }
        }
        finally {
            $connections.Dispose()
        }
        $burst | Add-Member -NotePropertyName httpConnectionsOpened -NotePropertyValue ([ordered]@{ http11 = $connections.Http1Connections; http2 = $connections.Http2Connections; other = $connections.OtherConnections })
        $burst.description += " - HTTPS connections opened (token service + gateway): $($connections.Http1Connections) HTTP/1.1, $($connections.Http2Connections) HTTP/2"
        $burst
        # Diagnostics: where (a)'s time goes between the floor and the cmdlet, and (b) without connection reuse.
        Measure-Scenario $Sandbox "d'-sdk" 'diagnostic: official SDK McpClient kept open, CallToolAsync per call (one token, one session)' { Wait-Bench $S::RunSdkPooledClientAsync($target, $Calls) } -Diagnostic
        Measure-Scenario $Sandbox "a'-call" 'diagnostic: engine McpPreparedCall.InvokeAsync only (prepared once), warm' { Wait-Bench $S::RunEngineCallOnlyAsync($target, $Calls) } -Diagnostic
        Measure-Scenario $Sandbox "a'" 'diagnostic: engine per call as the cmdlet asks it: PrepareCallAsync + InvokeAsync, warm' { Wait-Bench $S::RunEngineDirectAsync($target, $Calls) } -Diagnostic
        $withLog = Measure-Scenario $Sandbox "a'-log" "diagnostic: (a') with a call-log sink attached that counts and drops" { Wait-Bench $S::RunEngineDirectWithLogSinkAsync($target, $Calls, $sink) } -Diagnostic
        $perCall = ($sink.VerboseMessages + $sink.DebugMessages) / ($Calls + 1)
        $withLog.description += (': {0:0.#} messages per call' -f $perCall)
        $withLog
        Measure-Scenario $Sandbox "b'" 'diagnostic: (b) without connection reuse: new mTLS connection for the token, new TLS connection for MCP, per call' { Wait-Bench $S::RunNoCacheNoConnectionReuseAsync($target, $Calls) } -Diagnostic
    }
    finally {
        $target.Dispose()
    }
}

# The command that starts a child pwsh like this one (as build.ps1's Get-PwshCommand).
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    , @($process)
}

# Wall time (ms) of one fresh pwsh running $Arguments, from start to exit.
function Measure-PwshRun([string[]] $Arguments) {
    $pwsh = Get-PwshCommand
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + $Arguments) | Out-Null
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "pwsh $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    $watch.Elapsed.TotalMilliseconds
}

# Import-Module of the built module in a fresh pwsh against an empty pwsh: one untimed run of each, then
# $ImportRuns runs of each, alternating, so that a slow phase of the machine hits both alike.
function Measure-Import {
    Write-Host "  Import-Module in a fresh pwsh, $ImportRuns runs ..." -ForegroundColor DarkGray
    $import = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$Manifest'")
    $empty = @('-NoProfile', '-c', 'exit')
    $null = Measure-PwshRun $import; $null = Measure-PwshRun $empty
    $moduleTimes = [Collections.Generic.List[double]]::new(); $emptyTimes = [Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $ImportRuns; $i++) {
        $moduleTimes.Add((Measure-PwshRun $import))
        $emptyTimes.Add((Measure-PwshRun $empty))
    }
    $module = [Math]::Round($BenchPercentile::Median($moduleTimes.ToArray()), 1)
    $bare = [Math]::Round($BenchPercentile::Median($emptyTimes.ToArray()), 1)
    [pscustomobject]@{ moduleMedianMs = $module; emptyMedianMs = $bare; differenceMs = [Math]::Round($module - $bare, 1); runs = $ImportRuns }
}

# ---- reporting --------------------------------------------------------------------------------

function Get-Ratios($Scenarios) {
    $median = @{}
    foreach ($s in $Scenarios) { $median[$s.name] = $s.medianMs }
    [ordered]@{
        'a/d' = [Math]::Round($median['a'] / $median['d'], 2)
        'b/a' = [Math]::Round($median['b'] / $median['a'], 2)
        'c/a' = [Math]::Round($median['c'] / $median['a'], 2)
    }
}

function Get-Targets($Scenarios, $Ratios) {
    $a = $Scenarios | Where-Object name -eq 'a'
    $burst = $Scenarios | Where-Object name -eq 'burst'
    function Target([string] $What, [bool] $Met, [string] $Actual) { [pscustomobject]@{ target = $What; actual = $Actual; met = $Met } }
    Target '(a) 1 token request for warm-up + N calls' ($a.tokenRequests -eq 1) "$($a.tokenRequests)"
    Target '(a) 1 initialize for warm-up + N calls' ($a.initialize -eq 1) "$($a.initialize)"
    Target 'burst: 1 token request' ($burst.tokenRequests -eq 1) "$($burst.tokenRequests)"
    Target 'a/d <= 1.5' ($Ratios['a/d'] -le 1.5) "$($Ratios['a/d'])"
    Target 'c/a >= 3' ($Ratios['c/a'] -ge 3) "$($Ratios['c/a'])"
    Target 'b/a >= 10' ($Ratios['b/a'] -ge 10) "$($Ratios['b/a'])"
}

function Format-Table-Markdown($Scenarios) {
    $a = ($Scenarios | Where-Object name -eq 'a').medianMs
    '| scenario | calls | median ms | p95 ms | token requests | initialize | TLS handshakes (token service / gateway) | client CPU ms/call | median vs (a) |'
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|'
    foreach ($s in $Scenarios) {
        $ratio = if ($s.name -eq 'a') { '1.00' } else { '{0:0.00}' -f ($s.medianMs / $a) }
        '| ({0}) {1} | {2} | {3:0.000} | {4:0.000} | {5} | {6} | {7} / {8} | {9:0.000} | {10} |' -f $s.name, $s.description, $s.calls, $s.medianMs, $s.p95Ms, $s.tokenRequests, $s.initialize, $s.tlsHandshakes, $s.gatewayTlsHandshakes, $s.cpuMsPerCall, $ratio
    }
}

function Get-MachineInfo {
    $cpu = if (Test-Path /proc/cpuinfo) { (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.+)$' | Select-Object -First 1).Matches.Groups[1].Value } else { $env:PROCESSOR_IDENTIFIER }
    [ordered]@{
        cores         = [Environment]::ProcessorCount
        cpu           = $cpu
        os            = [Runtime.InteropServices.RuntimeInformation]::OSDescription
        runtime       = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        powershell    = $PSVersionTable.PSVersion.ToString()
        moduleVersion = (Get-Module AgentGateway).Version.ToString()
    }
}

function Write-Report($Report) {
    Write-Host ''
    Write-Host "## Call path: $($Report.calls) sequential calls per scenario (+1 warm-up), burst of $BurstCallers" -ForegroundColor Cyan
    Write-Host "$($Report.machine.cores) cores, $($Report.machine.cpu), $($Report.machine.os), $($Report.machine.runtime), PowerShell $($Report.machine.powershell), module $($Report.machine.moduleVersion)"
    Write-Host $(if ($Report.latencyMs -gt 0) { "Simulated latency: the sandbox waits $($Report.latencyMs) ms before each MCP request and each token response." } else { 'Sandbox on loopback, no simulated latency.' })
    Write-Host ''
    Format-Table-Markdown $Report.scenarios | Write-Host
    Write-Host ''
    Write-Host 'Token requests, initialize and TLS handshakes: the sandbox counters over warm-up + timed calls, reset before each scenario.'
    Write-Host "Rows marked diagnostic split (a) between the floor and the cmdlet; they are not used for the targets."
    Write-Host 'client CPU ms/call: CPU time of this pwsh process (all threads) over the timed calls, divided by their number (the sandbox is another process).'
    Write-Host "burst: latency from the release of all $BurstCallers callers to each one's result; counters over the burst." 
    Write-Host 'Percentiles by nearest rank; ratios are ratios of medians.'
    Write-Host ''
    Write-Host "Ratios: a/d = $($Report.ratios['a/d']), b/a = $($Report.ratios['b/a']), c/a = $($Report.ratios['c/a'])"
    foreach ($t in $Report.targets) {
        Write-Host ("  {0,-6} {1} (actual {2})" -f $(if ($t.met) { 'met' } else { 'MISSED' }), $t.target, $t.actual) -ForegroundColor $(if ($t.met) { 'Green' } else { 'Red' })
    }
    Write-Host ''
    $i = $Report.import
    Write-Host "Import-Module (fresh pwsh, median of $($i.runs)): $($i.moduleMedianMs) ms; empty pwsh -NoProfile -c exit: $($i.emptyMedianMs) ms; difference: $($i.differenceMs) ms"
}

# ---- main -------------------------------------------------------------------------------------

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-bench-$PID"
$sandbox = $null
try {
    Import-BenchAssembly
    $sandbox = Start-AgwSandbox -BindingRoot $bindings -Configuration $Configuration
    $env:SERVICE_BINDING_ROOT = $bindings
    Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath
    if ($LatencyMs -gt 0) { $null = Invoke-AgwSandboxAdmin $sandbox latency -Query @{ mcpMs = $LatencyMs; tokenMs = $LatencyMs } }
    Write-Host "Sandbox up; $Calls calls per scenario; simulated latency $LatencyMs ms."
    $scenarios = @(Invoke-Scenarios $sandbox)
    Assert-SharedAssemblies
}
finally {
    if ($sandbox) { $sandbox | Stop-AgwSandbox }
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
}

$import = Measure-Import
$ratios = Get-Ratios $scenarios
$report = [ordered]@{
    date      = [DateTimeOffset]::UtcNow.ToString('o')
    machine   = Get-MachineInfo
    calls     = $Calls
    warmupCalls = $WarmupCalls
    latencyMs = $LatencyMs
    scenarios = $scenarios
    ratios    = $ratios
    targets   = @(Get-Targets $scenarios $ratios)
    import    = $import
    notes     = @(
        "JIT warm-up first: $WarmupCalls untimed calls of every sequential scenario.",
        'Each sequential scenario: 1 untimed warm-up call, then calls timed calls; counters cover warm-up + timed calls.',
        'Percentiles by nearest rank over the per-call durations; ratios are ratios of medians.',
        "burst: $BurstCallers callers released together on a fresh engine session; latency from the release to each result."
    )
}
Write-Report $report
$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath)
$report | ConvertTo-Json -Depth 5 | Set-Content -Path $OutputPath -Encoding utf8
Write-Host "Written: $OutputPath"
