<#
.SYNOPSIS
    The call-path bench (issue #6): what one tool call costs through the module, against the ways
    clients without the module's caches call the same tool, and against a raw HTTP floor.
.DESCRIPTION
    build.ps1 -Task Bench runs this in a fresh pwsh after building. Everything runs in this one process
    against one sandbox gateway, so the ratios compare runs on the same machine, runtime and connection:
      (a)  Invoke-McpTool in this runspace: warm token cache, pooled MCP session.
      (a') the engine without the cmdlet: PrepareCallAsync + InvokeAsync on a warm RunspaceState.
      (b)  no cache: a token request and a fresh MCP session (initialize ... DELETE) per call.
      (c)  one cached token, a fresh MCP session per call.
      (d)  the floor: raw tools/call POSTs on one kept-alive HttpClient, fixed token, one session.
      (b') the Python original's pattern: (b) with a new mTLS connection for the token and a new TLS
           connection for the MCP session, per call.
      burst: 64 concurrent first callers on a fresh engine session.
    Then the bulk scenarios, -BulkCalls calls each from one script, each in a fresh runspace (no token, no
    session, no connection yet), wall time from the first input to the last result:
      (a)   sequential: foreach over the inputs, Invoke-McpTool -Arguments per call.
      (T16), (T64) the inputs piped to Invoke-McpTool -ThrottleLimit 16 / 64 (one runspace).
      (P16) ForEach-Object -Parallel -ThrottleLimit 16, the module imported in each runspace.
      (b')  as above, over the same number of calls.
    First every sequential scenario runs -WarmupCalls untimed calls (JIT warm-up, so the scenario timed
    first does not pay for the code paths all share). Then each makes one untimed warm-up call and -Calls
    timed calls; the sandbox counters are reset before each scenario, so its token requests and
    initialize handshakes count that warm-up call + the timed calls.
    Then, in fresh pwsh processes against an empty one (pwsh -c 1): the Import-Module time of the built module
    and the first call's (import, Set-AgwClientConfig -TrustedCaPath, one Invoke-McpTool -Uri with a bearer on the
    sandbox: initialize, tools/list, tools/call), with their JIT and load breakdown. Prints a Markdown table, the
    targets met/missed and the import and first-call times; writes them as JSON to -OutputPath.
    -RttMs n starts the sandbox with a TCP latency relay in front of its token service and its gateway
    (--rtt-ms): every chunk waits n/2 ms each way, so every round trip, TLS handshakes included, costs
    about n ms, as on a network. -LatencyMs n (kept for comparison) makes the sandbox wait n ms before
    each MCP request and each token response instead (TLS handshakes are not delayed). 0, the default
    for both, is plain loopback.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BenchAssemblyPath,
    [ValidateRange(1, 100000)] [int] $Calls = 300,
    [ValidateRange(1, 100)] [int] $ImportRuns = 7,
    [ValidateRange(1, 100)] [int] $BreakdownRuns = 3,
    [ValidateRange(1, 1024)] [int] $BurstCallers = 64,
    [ValidateRange(0, 1000)] [int] $LatencyMs = 0,
    [ValidateRange(0, 1000)] [int] $RttMs = 0,
    [ValidateRange(1, 100000)] [int] $BulkCalls = 1000,
    [ValidateRange(0, 100000)] [int] $WarmupCalls = 100,
    [string] $OutputPath = (Join-Path $PSScriptRoot $(if ($RttMs -gt 0) { "results/latest-rtt-$($RttMs)ms.json" } elseif ($LatencyMs -gt 0) { "results/latest-latency-$($LatencyMs)ms.json" } else { 'results/latest.json' })),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($RttMs -gt 0 -and $LatencyMs -gt 0) { throw '-RttMs and -LatencyMs simulate the same round trip two ways: pass one of them.' }
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

$OrdId = 'sap.sandbox:mcpServer:travel:v1'
$ModernOrdId = 'sap.sandbox:mcpServer:mixed:v1'   # an SDK server that speaks 2026-07-28 (and initialize for older clients)
$Manifest = Join-Path (Resolve-Path $ModulePath).Path 'AgentGateway.psd1'

# ---- loading ----------------------------------------------------------------------------------

# The module first, then the bench library INTO the module's own load context (docs/architecture.md,
# Dependency isolation): its references to the engine and the MCP SDK then resolve to the copies the
# module loads from out/AgentGateway/dependencies. The engine is reached through an engine type the module's own
# types name (the content blocks of McpToolResult.Content), so no cmdlet runs before the sandbox is up. PowerShell's type
# literals see only the default load context, so the bench types are taken from the loaded assembly.
function Import-BenchAssembly {
    Import-Module $Manifest
    $engine = [AgentGateway.McpToolResult].GetProperty('Content').PropertyType.GetGenericArguments()[0].Assembly
    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
    if ($context -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { throw 'The module loaded its engine into the default load context: it is not isolated.' }
    $bench = $context.LoadFromAssemblyPath((Resolve-Path $BenchAssemblyPath).Path)
    $reference = $bench.GetReferencedAssemblies() | Where-Object Name -eq 'AgentGateway.Engine'
    if ($engine.GetName().Version -ne $reference.Version) {
        throw 'The bench library was built against another engine version than the module carries.'
    }
    # $BenchScenarios, $BenchPercentile, ... ($BenchTarget for BenchTarget), in this script's scope.
    foreach ($name in 'Scenarios', 'Percentile', 'TimedRun', 'TimedRun+Mark', 'CountingLogSink', 'BenchTarget', 'HttpConnectionCounter') {
        Set-Variable -Scope Script -Name ($name -replace '^(?!Bench)', 'Bench' -replace '\+', '') -Value $bench.GetType("AgentGateway.CallPathBench.$name", $true)
    }
}

# After the scenarios ran (assemblies load lazily): the engine and the MCP SDK are loaded once, from the
# module's dependencies folder (its ReadyToRun copy in dependencies/<platform> where the build made one), into
# the module's load context.
function Assert-SharedAssemblies {
    $dependencies = Join-Path (Resolve-Path $ModulePath).Path 'dependencies'
    foreach ($name in 'AgentGateway.Engine', 'ModelContextProtocol.Core') {
        $copies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name })
        if ($copies.Count -ne 1) { throw "$name is loaded $($copies.Count) times: $(@($copies | ForEach-Object Location) -join ', ')" }
        $folder = Split-Path $copies[0].Location
        if ($folder -ne $dependencies -and (Split-Path $folder) -ne $dependencies) { throw "$name is loaded from $($copies[0].Location), not from $dependencies." }
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

# With -RttMs: the TCP connections each relay accepted so far (the relays count from the start; Measure-Scenario takes differences).
function Get-RelayConnections($Sandbox) {
    if ($RttMs -le 0) { return $null }
    $r = Invoke-AgwSandboxAdmin $Sandbox relay -Method Get
    [pscustomobject]@{ tokenService = $r.tokenService.connections; gateway = $r.gateway.connections }
}

function Get-RelayDelta($Before, $After) {
    if (-not $Before) { return $null }
    [ordered]@{ tokenService = $After.tokenService - $Before.tokenService; gateway = $After.gateway - $Before.gateway }
}

# Resets the sandbox counters, runs the scenario (it returns a TimedRun: per-call durations in ms, CPU ms and wall ms over them) and reads the counters.
function Measure-Scenario {
    param($Sandbox, [string] $Name, [string] $Description, [scriptblock] $Run, [switch] $Diagnostic)
    Write-Host "  $Name ..." -ForegroundColor DarkGray
    $null = Invoke-AgwSandboxAdmin $Sandbox reset-stats
    $relayBefore = Get-RelayConnections $Sandbox
    $timed = & $Run
    [double[]] $durations = $timed.DurationsMs
    $counters = Get-SandboxCounters $Sandbox
    [pscustomobject]@{
        name          = $Name
        description   = $Description
        calls         = $durations.Count
        wallMs        = [Math]::Round($timed.WallMs, 1)
        medianMs      = [Math]::Round($BenchPercentile::Median($durations), 3)
        p95Ms         = [Math]::Round($BenchPercentile::P95($durations), 3)
        tokenRequests = $counters.TokenRequests
        initialize    = $counters.Initialize
        tlsHandshakes = $counters.TlsHandshakes
        gatewayTlsHandshakes = $counters.GatewayTlsHandshakes
        toolsCall     = $counters.ToolsCall
        cpuMsPerCall  = [Math]::Round($timed.CpuMs / $durations.Count, 3)
        jitMsPerCall  = [Math]::Round($timed.JitMs / $durations.Count, 3)
        methodsJitted = $timed.MethodsJitted
        minMs         = [Math]::Round(($durations | Measure-Object -Minimum).Minimum, 3)
        maxMs         = [Math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        relayConnections = Get-RelayDelta $relayBefore (Get-RelayConnections $Sandbox)
        diagnostic    = $Diagnostic.IsPresent
    }
}

# (a): the cmdlet, one warm-up call (it fetches the token and opens the session), then $Calls timed calls.
# With -Uri: a server on the gateway that the credentials do not name (the 2026-07-28 one).
function Invoke-ModuleCalls([int] $Count = $Calls, [uri] $Uri) {
    Clear-AgwTokenCache   # no token, no session: the warm-up call below makes the only ones the counters see
    $where = if ($Uri) { @{ Uri = $Uri } } else { @{ OrdId = $OrdId } }
    $null = Invoke-McpTool @where -Name echo -Arguments @{ message = 'bench' }
    $durations = [double[]]::new($Count)
    $watch = [Diagnostics.Stopwatch]::new()
    $start = $BenchTimedRunMark::Take()
    for ($i = 0; $i -lt $Count; $i++) {
        $watch.Restart()
        $null = Invoke-McpTool @where -Name echo -Arguments @{ message = 'bench' }
        $watch.Stop()
        $durations[$i] = $watch.Elapsed.TotalMilliseconds
    }
    $BenchTimedRun::new($durations, $start)
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
        Measure-Scenario $Sandbox "b'" "the Python original's pattern: (b) on new connections: new mTLS connection for the token, new TLS connection for MCP, per call" { Wait-Bench $S::RunNoCacheNoConnectionReuseAsync($target, $Calls) }
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
        # (a) is timed first, while the JIT still tiers up PowerShell's code (for thousands of calls on 2 busy cores):
        # the same calls again at the end are nearer the steady state, and are what the CPU target reads.
        Measure-Scenario $Sandbox 'a-late' 'diagnostic: (a) again, after every other scenario (more of the path tiered up by the JIT)' { Invoke-ModuleCalls } -Diagnostic
    }
    finally {
        $target.Dispose()
    }

    # The same call against a server at 2026-07-28 (the sandbox's SDK server in both session modes): no session, one
    # POST per call; the module against its session-less floor.
    $modern = $BenchTarget::Create($ModernOrdId, $Sandbox.caCertificatePath)
    try {
        $null = Wait-Bench ($BenchScenarios::RunRawSessionlessFloorAsync($modern, [Math]::Max(1, $WarmupCalls)))
        $null = Invoke-ModuleCalls ([Math]::Max(1, $WarmupCalls)) $modern.Endpoint
        Measure-Scenario $Sandbox 'a-2026' 'Invoke-McpTool -Uri, a 2026-07-28 server (session-less), warm token cache' { Invoke-ModuleCalls $Calls $modern.Endpoint }
        Measure-Scenario $Sandbox 'd-2026' 'floor at 2026-07-28: raw session-less tools/call POST (Mcp-Method, Mcp-Name, _meta), kept-alive HttpClient, fixed token' { Wait-Bench $BenchScenarios::RunRawSessionlessFloorAsync($modern, $Calls) }
    }
    finally {
        $modern.Dispose()
    }
}

# ---- bulk: -BulkCalls calls from one script ------------------------------------------------------

# Whether the module's Invoke-McpTool takes piped arguments with -ThrottleLimit (issue #15).
function Test-ThrottleLimit { (Get-Command Invoke-McpTool -Module AgentGateway).Parameters.ContainsKey('ThrottleLimit') }

# The timed part of a bulk scenario, run in a fresh runspace that has imported the module and set the trusted
# CA (untimed), so it starts with no token, no session and no connection. Returns the wall time and the results.
$BulkScript = {
    param($Inputs, $OrdId, [int] $ThrottleLimit)
    $ErrorActionPreference = 'Stop'
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = if ($ThrottleLimit -gt 0) {
        $Inputs | Invoke-McpTool -OrdId $OrdId -Name echo -ThrottleLimit $ThrottleLimit
    }
    else {
        foreach ($arguments in $Inputs) { Invoke-McpTool -OrdId $OrdId -Name echo -Arguments $arguments }
    }
    $watch.Stop()
    [pscustomobject]@{ WallMs = $watch.Elapsed.TotalMilliseconds; Results = @($results) }
}

# ForEach-Object -Parallel as users reach for it: every runspace imports the module (and sets the trusted CA,
# which a real gateway's public CA would not need) the first time it runs, then calls.
$ParallelScript = {
    param($Inputs, $OrdId, [int] $ThrottleLimit, $Manifest, $CaPath)
    $ErrorActionPreference = 'Stop'
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $results = $Inputs | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
        if (-not (Get-Module AgentGateway)) {
            Import-Module $using:Manifest
            Set-AgwClientConfig -TrustedCaPath $using:CaPath
        }
        Invoke-McpTool -OrdId $using:OrdId -Name echo -Arguments $_
    }
    $watch.Stop()
    [pscustomobject]@{ WallMs = $watch.Elapsed.TotalMilliseconds; Results = @($results) }
}

# Runs $Script with $Arguments in a fresh runspace of this process (after importing the module there, untimed,
# unless -Bare) and measures it like Measure-Scenario: counters reset before, read after; CPU of this process.
function Measure-BulkScenario {
    param($Sandbox, [string] $Name, [string] $Description, [scriptblock] $Script, [object[]] $Arguments, [switch] $Bare)
    Write-Host "  bulk $Name ..." -ForegroundColor DarkGray
    $runspace = [runspacefactory]::CreateRunspace()
    $runspace.Open()
    $ps = [powershell]::Create($runspace)
    try {
        if (-not $Bare) {
            $null = $ps.AddScript('param($Manifest, $CaPath) Import-Module $Manifest; Set-AgwClientConfig -TrustedCaPath $CaPath').AddArgument($Manifest).AddArgument($Sandbox.caCertificatePath).Invoke()
            $ps.Commands.Clear()
        }
        $null = Invoke-AgwSandboxAdmin $Sandbox reset-stats
        $relayBefore = Get-RelayConnections $Sandbox
        $null = $ps.AddScript($Script.ToString())
        foreach ($argument in $Arguments) { $null = $ps.AddArgument($argument) }
        $start = $BenchTimedRunMark::Take()
        $out = $ps.Invoke()
        $timed = $BenchTimedRun::new([double[]]@(), $start)
        if ($ps.HadErrors) { throw "bulk $Name failed: $(@($ps.Streams.Error)[0])" }
        $run = $out[0]
        $counters = Get-SandboxCounters $Sandbox
        $failed = @($run.Results | Where-Object IsError).Count
        if ($run.Results.Count -ne $BulkCalls -or $failed) { throw "bulk $Name returned $($run.Results.Count) results ($failed errors) for $BulkCalls calls." }
        [pscustomobject]@{
            name          = $Name
            description   = $Description
            calls         = $BulkCalls
            wallMs        = [Math]::Round($run.WallMs, 1)
            callsPerSecond = [Math]::Round($BulkCalls / $run.WallMs * 1000, 1)
            tokenRequests = $counters.TokenRequests
            initialize    = $counters.Initialize
            tlsHandshakes = $counters.TlsHandshakes
            gatewayTlsHandshakes = $counters.GatewayTlsHandshakes
            toolsCall     = $counters.ToolsCall
            cpuMsPerCall  = [Math]::Round($timed.CpuMs / $BulkCalls, 3)
            jitMsPerCall  = [Math]::Round($timed.JitMs / $BulkCalls, 3)
            methodsJitted = $timed.MethodsJitted
            relayConnections = Get-RelayDelta $relayBefore (Get-RelayConnections $Sandbox)
            notRun        = $null
        }
    }
    finally {
        $ps.Dispose()
        $runspace.Dispose()
    }
}

function New-NotRun([string] $Name, [string] $Description, [string] $Why) {
    [pscustomobject]@{ name = $Name; description = $Description; calls = $BulkCalls; wallMs = $null; callsPerSecond = $null; tokenRequests = $null; initialize = $null; tlsHandshakes = $null; gatewayTlsHandshakes = $null; toolsCall = $null; cpuMsPerCall = $null; jitMsPerCall = $null; methodsJitted = $null; relayConnections = $null; notRun = $Why }
}

# The batch code paths (-ThrottleLimit, ForEach-Object -Parallel) $WarmupCalls untimed calls each, in throwaway
# runspaces, as the sequential paths are warmed before they are timed: else the first batch timed pays the JIT.
function Invoke-BulkWarmUp($Sandbox) {
    if ($WarmupCalls -le 0) { return }
    Write-Host "  JIT warm-up: $WarmupCalls untimed calls of every batch path ..." -ForegroundColor DarkGray
    $inputs = [object[]]@(for ($i = 0; $i -lt $WarmupCalls; $i++) { @{ message = 'bench' } })
    $paths = @(@{ Script = $ParallelScript; Arguments = @($inputs, $OrdId, 16, $Manifest, $Sandbox.caCertificatePath); Bare = $true })
    if (Test-ThrottleLimit) { $paths += @{ Script = $BulkScript; Arguments = @($inputs, $OrdId, 16); Bare = $false } }
    foreach ($path in $paths) {
        $ps = [powershell]::Create([runspacefactory]::CreateRunspace())
        try {
            $ps.Runspace.Open()
            if (-not $path.Bare) { $null = $ps.AddScript('param($Manifest, $CaPath) Import-Module $Manifest; Set-AgwClientConfig -TrustedCaPath $CaPath').AddArgument($Manifest).AddArgument($Sandbox.caCertificatePath).AddStatement() }
            $null = $ps.AddScript($path.Script.ToString())
            foreach ($argument in $path.Arguments) { $null = $ps.AddArgument($argument) }
            $null = $ps.Invoke()
            if ($ps.HadErrors) { throw "bulk warm-up failed: $(@($ps.Streams.Error)[0])" }
        }
        finally {
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }
}

function Invoke-BulkScenarios($Sandbox, $Sequential) {
    Invoke-BulkWarmUp $Sandbox
    $inputs = [object[]]@(for ($i = 0; $i -lt $BulkCalls; $i++) { @{ message = 'bench' } })
    Measure-BulkScenario $Sandbox 'a' 'sequential: foreach, Invoke-McpTool -Arguments per call, one runspace' $BulkScript @($inputs, $OrdId, 0)
    foreach ($limit in 16, 64) {
        $description = "inputs piped to Invoke-McpTool -ThrottleLimit $limit, one runspace"
        if (Test-ThrottleLimit) { Measure-BulkScenario $Sandbox "T$limit" $description $BulkScript @($inputs, $OrdId, $limit) }
        else { New-NotRun "T$limit" $description '-ThrottleLimit not on main' }
    }
    Measure-BulkScenario $Sandbox 'P16' 'ForEach-Object -Parallel -ThrottleLimit 16, the module imported in each runspace' $ParallelScript @($inputs, $OrdId, 16, $Manifest, $Sandbox.caCertificatePath) -Bare
    # (b'): the sequential scenario's run when it made as many calls; else its own run of -BulkCalls calls.
    $python = $Sequential | Where-Object name -eq "b'"
    if ($python.calls -ne $BulkCalls) {
        $target = $BenchTarget::Create($OrdId, $Sandbox.caCertificatePath)
        try { $python = Measure-Scenario $Sandbox "b'" $python.description { Wait-Bench $BenchScenarios::RunNoCacheNoConnectionReuseAsync($target, $BulkCalls) } }
        finally { $target.Dispose() }
    }
    [pscustomobject]@{
        name = "b'"; description = $python.description; calls = $python.calls; wallMs = $python.wallMs
        callsPerSecond = [Math]::Round($python.calls / $python.wallMs * 1000, 1)
        tokenRequests = $python.tokenRequests; initialize = $python.initialize; tlsHandshakes = $python.tlsHandshakes
        gatewayTlsHandshakes = $python.gatewayTlsHandshakes; toolsCall = $python.toolsCall; cpuMsPerCall = $python.cpuMsPerCall
        jitMsPerCall = $python.jitMsPerCall; methodsJitted = $python.methodsJitted
        relayConnections = $python.relayConnections; notRun = $null
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

# What the first call of a fresh pwsh does (the first-call figure, issue #20): import, the client config a private
# CA needs, then one Invoke-McpTool -Uri on the sandbox's loopback gateway with a bearer token (no token request,
# as the MCP Inspector CLI makes the same call): initialize and the revision negotiation, tools/list for the
# schema check, tools/call. The token comes in AGW_BENCH_TOKEN (never on a command line).
function Get-FirstCallScript($Target) {
    $quote = { param([string] $s) "'" + $s.Replace("'", "''") + "'" }
    "Import-Module $(& $quote $Manifest); Set-AgwClientConfig -TrustedCaPath $(& $quote $Target.CaPath); " +
    "`$null = Invoke-McpTool -Uri $(& $quote $Target.Uri) -Name echo -Arguments @{ message = 'bench' } -AccessToken `$env:AGW_BENCH_TOKEN -ErrorAction Stop"
}

# The first call's target on a running sandbox: the gateway endpoint of $OrdId, its CA, and a token (system,
# fetched by this runspace) handed to the children in AGW_BENCH_TOKEN until Clear-FirstCallTarget.
function New-FirstCallTarget($Sandbox) {
    $dependency = @($Sandbox.dependencies | Where-Object ordId -eq $OrdId)[0]
    $env:AGW_BENCH_TOKEN = (Get-AgwAccessToken -AsPlainText).Token
    [pscustomobject]@{
        Uri    = "$($Sandbox.gatewayUrl.TrimEnd('/'))/v1/mcp/$([uri]::EscapeDataString($OrdId))/$($dependency.globalTenantId)"
        CaPath = $Sandbox.caCertificatePath
    }
}

# The same steps inside one fresh pwsh, with a clock and System.Runtime.JitInfo around each: where the time goes
# (the JIT, the assemblies loaded, whether the import loaded the engine). One JSON line.
function Get-BreakdownScript($Target) {
    $script = @'
$jit = { [pscustomobject]@{ Count = [System.Runtime.JitInfo]::GetCompiledMethodCount($false); Ms = [System.Runtime.JitInfo]::GetCompilationTime($false).TotalMilliseconds } }
$moduleBase = Split-Path '@MANIFEST@'
$loaded = { @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.Location -and $_.Location.StartsWith($moduleBase) }) }
$j0 = & $jit; $watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module '@MANIFEST@'
$importMs = $watch.Elapsed.TotalMilliseconds; $j1 = & $jit
$afterImport = & $loaded
$watch.Restart()
Set-AgwClientConfig -TrustedCaPath '@CA@'
$null = Invoke-McpTool -Uri '@URI@' -Name echo -Arguments @{ message = 'bench' } -AccessToken $env:AGW_BENCH_TOKEN -ErrorAction Stop
$callMs = $watch.Elapsed.TotalMilliseconds; $j2 = & $jit
$afterCall = & $loaded
[ordered]@{
    importMs = $importMs; importMethodsJitted = $j1.Count - $j0.Count; importJitMs = $j1.Ms - $j0.Ms
    importLoaded = @($afterImport | ForEach-Object { $_.GetName().Name })
    callMs = $callMs; callMethodsJitted = $j2.Count - $j1.Count; callJitMs = $j2.Ms - $j1.Ms
    callLoaded = $afterCall.Count
    callLoadedPrecompiled = @($afterCall | Where-Object { (Split-Path (Split-Path $_.Location)) -eq (Join-Path $moduleBase 'dependencies') }).Count
} | ConvertTo-Json -Compress
'@
    $script.Replace('@MANIFEST@', $Manifest.Replace("'", "''")).Replace('@CA@', $Target.CaPath.Replace("'", "''")).Replace('@URI@', $Target.Uri.Replace("'", "''"))
}

# Import-Module, and the first call (with a sandbox target), each in a fresh pwsh against an empty pwsh
# (`pwsh -c 1`): one untimed run of each, then $ImportRuns runs of each, alternating, so that a slow phase of
# the machine hits all alike; medians and their differences. Then $BreakdownRuns runs of the breakdown script
# (medians of each figure).
function Measure-Import($Target) {
    Write-Host "  Import-Module$(if ($Target) { ' and the first call' }) in a fresh pwsh, $ImportRuns runs ..." -ForegroundColor DarkGray
    $commands = [ordered]@{
        empty  = @('-NoProfile', '-NonInteractive', '-Command', '1')
        import = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$Manifest'")
    }
    if ($Target) { $commands.firstCall = @('-NoProfile', '-NonInteractive', '-Command', (Get-FirstCallScript $Target)) }
    $times = [ordered]@{}
    foreach ($name in $commands.Keys) { $null = Measure-PwshRun $commands[$name]; $times[$name] = [Collections.Generic.List[double]]::new() }
    for ($i = 0; $i -lt $ImportRuns; $i++) {
        foreach ($name in $commands.Keys) { $times[$name].Add((Measure-PwshRun $commands[$name])) }
    }
    $median = { param($name) [Math]::Round($BenchPercentile::Median($times[$name].ToArray()), 1) }
    $bare = & $median 'empty'
    $module = & $median 'import'
    $result = [ordered]@{ moduleMedianMs = $module; emptyMedianMs = $bare; differenceMs = [Math]::Round($module - $bare, 1); runs = $ImportRuns }
    if ($Target) {
        $first = & $median 'firstCall'
        $result.firstCallMedianMs = $first
        $result.firstCallDifferenceMs = [Math]::Round($first - $bare, 1)
        $result.breakdown = Measure-ImportBreakdown $Target
    }
    [pscustomobject]$result
}

function Measure-ImportBreakdown($Target) {
    $pwsh = Get-PwshCommand
    $script = Get-BreakdownScript $Target
    $runs = @(for ($i = 0; $i -lt $BreakdownRuns; $i++) {
            $line = & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) | Select-Object -Last 1
            if ($LASTEXITCODE -ne 0) { throw "The first-call breakdown failed with exit code $LASTEXITCODE." }
            $line | ConvertFrom-Json
        })
    $median = { param($name) [Math]::Round($BenchPercentile::Median([double[]]@($runs | ForEach-Object $name)), 1) }
    [ordered]@{
        runs                  = $BreakdownRuns
        importMs              = & $median 'importMs'
        importMethodsJitted   = & $median 'importMethodsJitted'
        importJitMs           = & $median 'importJitMs'
        importLoaded          = @($runs[0].importLoaded)
        callMs                = & $median 'callMs'
        callMethodsJitted     = & $median 'callMethodsJitted'
        callJitMs             = & $median 'callJitMs'
        callLoaded            = $runs[0].callLoaded
        callLoadedPrecompiled = $runs[0].callLoadedPrecompiled
    }
}

# ---- reporting --------------------------------------------------------------------------------

function Get-Median($Rows, [string] $Name) { ($Rows | Where-Object name -eq $Name).medianMs }
function Get-Wall($Rows, [string] $Name) { $r = $Rows | Where-Object name -eq $Name; if ($r -and -not $r.notRun) { $r.wallMs } }
function Get-Quotient($x, $y) { if ($x -and $y) { [Math]::Round($x / $y, 2) } }

# Ratios of medians between the sequential scenarios, and of wall times between the bulk ones.
function Get-Ratios($Scenarios, $Bulk) {
    $a = Get-Median $Scenarios 'a'
    $sequential = Get-Wall $Bulk 'a'; $t16 = Get-Wall $Bulk 'T16'
    [ordered]@{
        'a/d'       = Get-Quotient $a (Get-Median $Scenarios 'd')
        "b'/a"      = Get-Quotient (Get-Median $Scenarios "b'") $a
        'c/a'       = Get-Quotient (Get-Median $Scenarios 'c') $a
        'a/d 2026'  = Get-Quotient (Get-Median $Scenarios 'a-2026') (Get-Median $Scenarios 'd-2026')
        'b/a'       = Get-Quotient (Get-Median $Scenarios 'b') $a
        'cpu a-late/d''-sdk' = Get-Quotient ($Scenarios | Where-Object name -eq 'a-late').cpuMsPerCall ($Scenarios | Where-Object name -eq "d'-sdk").cpuMsPerCall
        'cpu a/d''-sdk' = Get-Quotient ($Scenarios | Where-Object name -eq 'a').cpuMsPerCall ($Scenarios | Where-Object name -eq "d'-sdk").cpuMsPerCall
        'bulk a/T16'  = Get-Quotient $sequential $t16
        'bulk a/T64'  = Get-Quotient $sequential (Get-Wall $Bulk 'T64')
        'bulk a/P16'  = Get-Quotient $sequential (Get-Wall $Bulk 'P16')
        'bulk P16/T16' = Get-Quotient (Get-Wall $Bulk 'P16') $t16
    }
}

# The engine micro-benchmarks' cache hits, from the last BenchmarkDotNet report committed (bench/README.md, Run).
function Get-CacheHits {
    $path = Join-Path $PSScriptRoot 'results/engine/results/AgentGateway.Benchmarks.TokenProviderBenchmarks-report-brief.json'
    if (-not (Test-Path $path)) { return $null }
    $report = Get-Content -Raw $path | ConvertFrom-Json
    $hit = {
        param([string] $Method)
        $b = $report.Benchmarks | Where-Object Method -eq $Method
        [pscustomobject]@{ meanNs = [Math]::Round($b.Statistics.Mean, 1); bytes = $b.Memory.BytesAllocatedPerOperation }
    }
    [pscustomobject]@{ source = 'bench/results/engine/results/' + (Split-Path -Leaf $path); system = & $hit 'SystemTokenHit'; user = & $hit 'UserTokenHit' }
}

# Every target: met $true/$false, or $null when it was not measured in this run (then Actual says why).
# Network targets are judged with a round trip (-RttMs; -LatencyMs is shown but does not delay TLS handshakes);
# the client CPU target on loopback; counts, cache hits and the import in every run.
function Get-Targets($Scenarios, $Bulk, $Ratios, $Import, $Hits) {
    function Target([string] $What, $Met, [string] $Actual) { [pscustomobject]@{ target = $What; actual = $Actual; met = $Met } }
    function Judge([string] $What, $Value, [scriptblock] $Test, [string] $Skip) {
        if ($Skip) { return Target $What $null $Skip }
        if ($null -eq $Value) { return Target $What $null 'not run: -ThrottleLimit not on main' }
        Target $What ([bool](& $Test $Value)) "$Value"
    }
    $a = $Scenarios | Where-Object name -eq 'a'
    $burst = $Scenarios | Where-Object name -eq 'burst'
    $t16 = $Bulk | Where-Object name -eq 'T16'
    $network = if ($RttMs -gt 0) { '' } elseif ($LatencyMs -gt 0) { '' } else { 'not judged: loopback (run with -RttMs 5)' }
    $loopback = if ($RttMs -gt 0 -or $LatencyMs -gt 0) { 'not judged: a round trip is simulated (run without -RttMs)' } else { '' }
    Target '(a) 1 token request, 1 initialize for warm-up + N calls' ($a.tokenRequests -eq 1 -and $a.initialize -eq 1) "$($a.tokenRequests), $($a.initialize)"
    Target 'burst: 1 token request' ($burst.tokenRequests -eq 1) "$($burst.tokenRequests)"
    if ($t16.notRun) { Target '(T16) 1 token request, 1 gateway connection' $null "not run: $($t16.notRun)" }
    else { Target '(T16) 1 token request, 1 gateway connection' ($t16.tokenRequests -eq 1 -and $t16.gatewayTlsHandshakes -eq 1) "$($t16.tokenRequests), $($t16.gatewayTlsHandshakes)" }
    Judge 'a/d <= 1.1' $Ratios['a/d'] { $args[0] -le 1.1 } $network
    Judge 'a/d <= 1.1 at 2026-07-28 (a-2026/d-2026)' $Ratios['a/d 2026'] { $args[0] -le 1.1 } $network
    $a2026 = $Scenarios | Where-Object name -eq 'a-2026'
    Target '(a-2026) no initialize, 1 tools/call per call' ($a2026.initialize -eq 0 -and $a2026.toolsCall -eq $a2026.calls + 1) "$($a2026.initialize), $($a2026.toolsCall) for $($a2026.calls) + 1 warm-up"
    Judge "b'/a >= 10" $Ratios["b'/a"] { $args[0] -ge 10 } $network
    Judge 'c/a >= 4' $Ratios['c/a'] { $args[0] -ge 4 } $network
    Judge '(T16) >= 8x faster than sequential (a), bulk wall' $Ratios['bulk a/T16'] { $args[0] -ge 8 } $network
    Judge '(T16) >= 2x faster than ForEach-Object -Parallel (P16), bulk wall' $Ratios['bulk P16/T16'] { $args[0] -ge 2 } $network
    Judge "client CPU per sequential call (a-late) <= 1.5x (d'-sdk)" $Ratios["cpu a-late/d'-sdk"] { $args[0] -le 1.5 } $loopback
    if ($Hits) {
        Target 'cache hit, system: <= 200 ns, 0 B' ($Hits.system.meanNs -le 200 -and $Hits.system.bytes -eq 0) "$($Hits.system.meanNs) ns, $($Hits.system.bytes) B ($($Hits.source))"
        Target 'cache hit, user: <= 1.5 us, 0 B' ($Hits.user.meanNs -le 1500 -and $Hits.user.bytes -eq 0) "$($Hits.user.meanNs) ns, $($Hits.user.bytes) B ($($Hits.source))"
    }
    else { Target 'cache hits (BenchmarkDotNet)' $null 'not run: no report in bench/results/engine/results' }
    Target 'Import-Module <= 100 ms over an empty pwsh' ($Import.differenceMs -le 100) "$($Import.differenceMs) ms"
    if ($loopback) { Target 'first call in a fresh pwsh (import, negotiation, listing, call) <= 300 ms over an empty pwsh' $null $loopback }
    else { Target 'first call in a fresh pwsh (import, negotiation, listing, call) <= 300 ms over an empty pwsh' ($Import.firstCallDifferenceMs -le 300) "$($Import.firstCallDifferenceMs) ms" }
}

function Format-Cell($Value, [string] $Format) { if ($null -eq $Value) { '' } else { $Format -f $Value } }

function Format-Table-Markdown($Scenarios) {
    $a = ($Scenarios | Where-Object name -eq 'a').medianMs
    '| scenario | calls | wall ms | median ms | p95 ms | token requests | initialize | TLS handshakes (token service / gateway) | client CPU ms/call | methods JIT-compiled | median vs (a) |'
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
    foreach ($s in $Scenarios) {
        $ratio = if ($s.name -eq 'a') { '1.00' } else { '{0:0.00}' -f ($s.medianMs / $a) }
        '| ({0}) {1} | {2} | {3:0.0} | {4:0.000} | {5:0.000} | {6} | {7} | {8} / {9} | {10:0.000} | {11} | {12} |' -f $s.name, $s.description, $s.calls, $s.wallMs, $s.medianMs, $s.p95Ms, $s.tokenRequests, $s.initialize, $s.tlsHandshakes, $s.gatewayTlsHandshakes, $s.cpuMsPerCall, $s.methodsJitted, $ratio
    }
}

function Format-BulkTable-Markdown($Bulk) {
    $a = Get-Wall $Bulk 'a'
    '| scenario | calls | wall ms | calls/s | token requests | initialize | TLS handshakes (token service / gateway) | client CPU ms/call | methods JIT-compiled | wall vs (a) |'
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
    foreach ($s in $Bulk) {
        if ($s.notRun) { '| ({0}) {1} | {2} | not run: {3} | | | | | | | |' -f $s.name, $s.description, $s.calls, $s.notRun; continue }
        '| ({0}) {1} | {2} | {3:0.0} | {4:0.0} | {5} | {6} | {7} / {8} | {9:0.000} | {10} | {11} |' -f $s.name, $s.description, $s.calls, $s.wallMs, $s.callsPerSecond, $s.tokenRequests, $s.initialize, $s.tlsHandshakes, $s.gatewayTlsHandshakes, $s.cpuMsPerCall, $s.methodsJitted, (Format-Cell (Get-Quotient $s.wallMs $a) '{0:0.00}')
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
        loadAverage   = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { $null }
    }
}

function Get-NetworkLine($Report) {
    if ($Report.rttMs -gt 0) {
        "Every figure below used the latency relay (-RttMs $($Report.rttMs)): a TCP relay in front of the token service and the gateway delays every chunk $($Report.rttMs / 2) ms each way and a new connection's first bytes one round trip more (its TCP handshake), so TLS handshakes pay their round trips too; its timers forwarded chunks $($Report.relay.meanLatenessMs) ms later than planned on average (timer resolution and the machine's load)."
    }
    elseif ($Report.latencyMs -gt 0) { "Simulated latency (-LatencyMs): the sandbox waits $($Report.latencyMs) ms before each MCP request and each token response; TLS handshakes are not delayed." }
    else { 'Sandbox on loopback, no simulated round trip.' }
}

function Write-Report($Report) {
    Write-Host ''
    Write-Host "## Call path: $($Report.calls) sequential calls per scenario (+1 warm-up), burst of $BurstCallers; bulk: $($Report.bulkCalls) calls per scenario" -ForegroundColor Cyan
    Write-Host "$($Report.machine.cores) cores, $($Report.machine.cpu), $($Report.machine.os), $($Report.machine.runtime), PowerShell $($Report.machine.powershell), module $($Report.machine.moduleVersion); load average at the end: $($Report.machine.loadAverage)"
    Write-Host (Get-NetworkLine $Report)
    Write-Host ''
    Format-Table-Markdown $Report.scenarios | Write-Host
    Write-Host ''
    Write-Host 'Token requests, initialize and TLS handshakes: the sandbox counters over warm-up + timed calls, reset before each scenario.'
    Write-Host "Rows marked diagnostic split (a) between the floor and the cmdlet; they are not used for the targets."
    Write-Host 'client CPU ms/call: CPU time of this pwsh process (all threads) over the timed calls, divided by their number (the sandbox is another process). methods JIT-compiled: methods the JIT compiled or recompiled at a higher tier over them (all threads; its CPU is in the CPU column).'
    Write-Host "burst: latency from the release of all $BurstCallers callers to each one's result; counters over the burst."
    Write-Host 'Percentiles by nearest rank; ratios are ratios of medians.'
    Write-Host ''
    Write-Host "### Bulk: $($Report.bulkCalls) calls from one script, each scenario in a fresh runspace (wall time from the first input to the last result)" -ForegroundColor Cyan
    Format-BulkTable-Markdown $Report.bulk | Write-Host
    Write-Host ''
    Write-Host ("Ratios: " + (($Report.ratios.GetEnumerator() | ForEach-Object { "$($_.Key) = $(if ($null -eq $_.Value) { '-' } else { $_.Value })" }) -join ', '))
    foreach ($t in $Report.targets) {
        $verdict, $color = if ($null -eq $t.met) { '-', 'DarkGray' } elseif ($t.met) { 'met', 'Green' } else { 'MISSED', 'Red' }
        Write-Host ("  {0,-6} {1} (actual {2})" -f $verdict, $t.target, $t.actual) -ForegroundColor $color
    }
    Write-Host ''
    $i = $Report.import
    Write-Host "Fresh pwsh, median of $($i.runs): empty (pwsh -NoProfile -c 1) $($i.emptyMedianMs) ms; Import-Module $($i.moduleMedianMs) ms (+$($i.differenceMs) ms); first call (import, Set-AgwClientConfig -TrustedCaPath, Invoke-McpTool -Uri: initialize, tools/list, tools/call on loopback) $($i.firstCallMedianMs) ms (+$($i.firstCallDifferenceMs) ms)"
    $b = $i.breakdown
    Write-Host ("Inside the fresh pwsh (median of {0}): Import-Module {1:0} ms, {2} methods JIT-compiled in {3:0} ms (JIT time, all threads), loaded from the module: {4}; the first call {5:0} ms, {6} methods JIT-compiled in {7:0} ms, {8} assemblies loaded from the module, {9} of them precompiled (dependencies/<platform>)" -f
        $b.runs, $b.importMs, $b.importMethodsJitted, $b.importJitMs, ($b.importLoaded -join ', '), $b.callMs, $b.callMethodsJitted, $b.callJitMs, $b.callLoaded, $b.callLoadedPrecompiled)
}

# ---- main -------------------------------------------------------------------------------------

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-bench-$PID"
$sandbox = $null
$relay = $null
$import = $null
try {
    Import-BenchAssembly
    $sandbox = Start-AgwSandbox -BindingRoot $bindings -Configuration $Configuration -ArgumentList $(if ($RttMs -gt 0) { @('--rtt-ms', "$RttMs") } else { @() })
    $env:SERVICE_BINDING_ROOT = $bindings
    Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath
    if ($LatencyMs -gt 0) { $null = Invoke-AgwSandboxAdmin $sandbox latency -Query @{ mcpMs = $LatencyMs; tokenMs = $LatencyMs } }
    Write-Host "Sandbox up; $Calls calls per scenario, $BulkCalls per bulk scenario; relay round trip $RttMs ms; simulated latency $LatencyMs ms."
    $scenarios = @(Invoke-Scenarios $sandbox)
    $bulk = @(Invoke-BulkScenarios $sandbox $scenarios)
    if ($RttMs -gt 0) { $relay = Invoke-AgwSandboxAdmin $sandbox relay -Method Get }
    Assert-SharedAssemblies
    $import = Measure-Import (New-FirstCallTarget $sandbox)
}
finally {
    $env:AGW_BENCH_TOKEN = $null
    if ($sandbox) { $sandbox | Stop-AgwSandbox }
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
}

$ratios = Get-Ratios $scenarios $bulk
$report = [ordered]@{
    date      = [DateTimeOffset]::UtcNow.ToString('o')
    machine   = Get-MachineInfo
    calls     = $Calls
    bulkCalls = $BulkCalls
    warmupCalls = $WarmupCalls
    rttMs     = $RttMs
    relay     = if ($relay) { [ordered]@{ meanLatenessMs = [Math]::Round(($relay.tokenService.meanLatenessMs + $relay.gateway.meanLatenessMs) / 2, 3); tokenService = $relay.tokenService; gateway = $relay.gateway } } else { $null }
    latencyMs = $LatencyMs
    scenarios = $scenarios
    bulk      = $bulk
    ratios    = $ratios
    targets   = @(Get-Targets $scenarios $bulk $ratios $import (Get-CacheHits))
    import    = $import
    notes     = @(
        "JIT warm-up first: $WarmupCalls untimed calls of every sequential scenario.",
        'Each sequential scenario: 1 untimed warm-up call, then calls timed calls; counters cover warm-up + timed calls.',
        'Percentiles by nearest rank over the per-call durations; ratios are ratios of medians (bulk: of wall times).',
        "burst: $BurstCallers callers released together on a fresh engine session; latency from the release to each result.",
        "bulk: each scenario in a fresh runspace (module imported untimed, except P16 where each parallel runspace imports it, timed); counters over the batch; (b') is the sequential row when it made as many calls."
    )
}
Write-Report $report
$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath)
$report | ConvertTo-Json -Depth 6 | Set-Content -Path $OutputPath -Encoding utf8
Write-Host "Written: $OutputPath"
