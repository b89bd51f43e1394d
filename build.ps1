#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks the AgentGateway module.
.DESCRIPTION
    Clean  removes build output (out/, bin/, obj/).
    Build  builds the solution and assembles a loadable module under out/AgentGateway: the cmdlet assembly at
           the top, the engine and its libraries as IL in dependencies/ and, for this machine's platform,
           compiled ahead of time (ReadyToRun) in dependencies/<platform>/ (build/ReadyToRun).
    Package builds (ReadyToRun copies for linux-x64, linux-arm64, osx-x64, osx-arm64 and win-x64), then packs the module with PSResourceGet (Publish-PSResource into a temporary local
           repository) as out/AgentGateway.<version>.nupkg, and the sandbox as the .NET tool
           out/AgentGateway.Sandbox.<version>.nupkg (command agw-sandbox).
    Sandbox builds, then runs the local sandbox gateway in the foreground and prints the lines to paste
           into pwsh to use the built module against it; Ctrl+C stops it.
    Test   builds, runs the xunit projects, installs the sandbox tool into out/sandbox-tool, runs the
           Pester suite and the example suite under examples/ (in a child pwsh, against the built
           module) and ends with one line "N passed, N failed, N skipped".
    Demo   builds, starts the local sandbox gateway and drives the built module against it in a
           fresh pwsh: tools listed, a tool called, a revocation renewed, the cache counters.
    Bench  builds, then runs bench/Invoke-CallPathBench.ps1 in a fresh pwsh against the sandbox: -Calls
           sequential tool calls through the module and through the ways without its caches, a raw
           HTTP floor, a cold burst, -BulkCalls calls from one script (sequential, -ThrottleLimit 16
           and 64, ForEach-Object -Parallel, the Python original's pattern), and the Import-Module time. Prints a Markdown table and the targets
           met/missed; writes bench/results/latest.json (latest-rtt-<n>ms.json with -RttMs,
           latest-latency-<n>ms.json with -LatencyMs).
.PARAMETER Calls
    Bench only: the timed tool calls per scenario (default 300).
.PARAMETER BulkCalls
    Bench only: the calls of each bulk scenario (sequential, -ThrottleLimit 16 and 64, ForEach-Object
    -Parallel; default 1000).
.PARAMETER RttMs
    Bench only: a network round trip, in ms: a TCP latency relay in front of the sandbox's token service
    and gateway delays every chunk by half of it each way, TLS handshakes included (default 0, loopback).
.PARAMETER LatencyMs
    Bench only: a network round trip to simulate, in ms: the sandbox waits that long before each MCP
    request and each token response (default 0, plain loopback).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Package
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Sandbox
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench -Calls 300
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench -RttMs 5
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Test', 'Demo', 'Bench', 'Package', 'Sandbox')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [ValidateRange(1, 100000)]
    [int] $Calls = 300,

    [ValidateRange(0, 1000)]
    [int] $LatencyMs = 0,

    [ValidateRange(0, 1000)]
    [int] $RttMs = 0,

    [ValidateRange(1, 100000)]
    [int] $BulkCalls = 1000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'AgentGateway'
$ToolsDir = Join-Path $Root '.tools'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

# Runs dotnet, shown; -Quiet adds --nologo -v quiet (build, publish, pack, restore). A failure throws.
function Invoke-Dotnet {
    param([Parameter(Mandatory)] [string[]] $Arguments, [switch] $Quiet)
    if ($Quiet) { $Arguments += '--nologo', '-v', 'quiet' }
    Write-Host "> dotnet $($Arguments -join ' ')" -ForegroundColor DarkGray
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE." }
}

# Throws $Message unless $Path exists: each step checks that it made what the next one needs.
function Assert-Path([string] $Path, [string] $Message) {
    if (-not (Test-Path $Path)) { throw $Message }
}

# Removes a folder (or file) with everything in it, if it is there.
function Remove-IfPresent([string] $Path) {
    if ($Path -and (Test-Path $Path)) { Remove-Item $Path -Recurse -Force }
}

# The one version (Directory.Build.props): Version (x.y.z), Prerelease ('' or letters and digits) and Full
# (x.y.z or x.y.z-prerelease, as the assemblies, the MCP clientInfo and the packages carry it).
function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    $version = "$($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1)".Trim()
    if ($version -notmatch '^\d+\.\d+\.\d+$') { throw "Directory.Build.props: VersionPrefix '$version' is not major.minor.patch." }
    $suffix = "$($props.Project.PropertyGroup.VersionSuffix | Where-Object { $_ } | Select-Object -First 1)".Trim()
    if ($suffix -and $suffix -notmatch '^[A-Za-z][A-Za-z0-9]*$') {
        throw "Directory.Build.props: VersionSuffix '$suffix' must be letters and digits, starting with a letter (a PowerShell module's Prerelease), say preview1."
    }
    [pscustomobject]@{ Version = $version; Prerelease = $suffix; Full = if ($suffix) { "$version-$suffix" } else { $version } }
}

# The section of CHANGELOG.md under '## [<version>]', as the package's release notes.
function Get-ReleaseNote([string] $Version) {
    $lines = Get-Content (Join-Path $Root 'CHANGELOG.md')
    $start = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match "^## \[$([regex]::Escape($Version))\]" })
    if ($start -lt 0) { throw "CHANGELOG.md has no section '## [$Version]'; add the release notes of this version." }
    $section = $lines | Select-Object -Skip ($start + 1) | ForEach-Object -Begin { $done = $false } -Process {
        if ($_ -match '^## ') { $done = $true }
        if (-not $done) { $_ }
    }
    "$($lines[$start].TrimStart('# '))`n$(($section -join "`n").Trim())"
}

# Runs a script in a child pwsh like this one (the dotnet tool runs as 'dotnet pwsh.dll'), -NoProfile and,
# unless -Interactive, -NonInteractive, on this console (-Quiet: its output dropped). $LASTEXITCODE is its
# exit code; with -FailureMessage, one other than 0 throws that message.
function Invoke-ChildPwsh {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $File,
        [object[]] $ArgumentList = @(),
        [string] $FailureMessage,
        [switch] $Interactive,
        [switch] $Quiet
    )
    $process = [Environment]::ProcessPath
    $arguments = @(if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) +
        @('-NoProfile') + @(if (-not $Interactive) { '-NonInteractive' }) + @('-File', $File) + $ArgumentList
    if ($Quiet) { & $process @arguments | Out-Null } else { & $process @arguments }
    if ($FailureMessage -and $LASTEXITCODE -ne 0) { throw "$FailureMessage (exit code $LASTEXITCODE)." }
}

function Invoke-Clean {
    foreach ($path in @($Out) + (Get-ChildItem $Root -Directory -Recurse -Include bin, obj -ErrorAction SilentlyContinue |
            Where-Object { $_.FullName -notlike "$ToolsDir*" }).FullName) {
        Remove-IfPresent $path
    }
}

# Dependency isolation (docs/architecture.md): only the cmdlet assembly stays at the top, where PowerShell
# loads it into the default load context; the engine and every dll it brings, whatever the publish put
# there, go to dependencies/, which the module's private load context reads. No list of dlls to keep up:
# everything but AgentGateway.dll moves. deps.json describes the flat publish layout, which no longer
# exists, and nothing reads it for a module: it goes.
function Move-ModuleDependency {
    $dependencies = Join-Path $ModuleOut 'dependencies'
    $null = New-Item -ItemType Directory $dependencies
    Remove-Item (Join-Path $ModuleOut 'AgentGateway.deps.json') -ErrorAction SilentlyContinue
    foreach ($item in Get-ChildItem $ModuleOut -Force) {
        if ($item.Name -in 'AgentGateway.dll', 'AgentGateway.pdb', 'dependencies') { continue }
        Move-Item $item.FullName $dependencies
    }
    Assert-Path (Join-Path $dependencies 'AgentGateway.Engine.dll') "The publish output has no AgentGateway.Engine.dll to move to $dependencies."
}

# Ahead-of-time code (docs/architecture.md, Load time): the platforms for which the package carries ReadyToRun
# copies of the dependencies, in dependencies/<platform>/, named as AgwLoadContext.PlatformFolderName names them.
# A ReadyToRun image does not load on another platform, so every other platform uses the IL in dependencies/.
$ReadyToRunPlatforms = @('linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64', 'win-x64')

# The platform folder this process would load from (AgwLoadContext.PlatformFolderName); $null: the IL copies.
function Get-HostPlatform {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } elseif ($IsLinux -and [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier -notmatch 'musl') { 'linux' }
    $arch = switch ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture) { 'X64' { 'x64' } 'Arm64' { 'arm64' } }
    if ($os -and $arch) { "$os-$arch" }
}

# Whether a dll holds ReadyToRun code (a managed native header), read from its headers.
function Test-ReadyToRunImage([string] $Path) {
    if (-not (Test-Path $Path)) { return $false }
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
        $cor = $pe.PEHeaders.CorHeader
        $null -ne $cor -and $cor.ManagedNativeHeaderDirectory.Size -gt 0
    }
    finally {
        if ($pe) { $pe.Dispose() }
        $stream.Dispose()
    }
}

# ReadyToRun copies of every dll in dependencies/ for each platform, into dependencies/<platform>/: build/ReadyToRun
# references them and `dotnet publish -r <platform>` compiles them (incrementally: an unchanged dll is not
# compiled again); only the dlls that came out precompiled are kept.
function Add-ReadyToRunCode([string[]] $Platform) {
    $dependencies = Join-Path $ModuleOut 'dependencies'
    foreach ($rid in $Platform) {
        $staging = Join-Path $Out "ready-to-run/$rid"
        Invoke-Dotnet -Quiet @('publish', (Join-Path $Root 'build/ReadyToRun/ReadyToRun.csproj'), '-c', $Configuration, '-r', $rid,
            "-p:DependencyDirectory=$dependencies", '-o', $staging)
        $target = New-Item -ItemType Directory (Join-Path $dependencies $rid)
        $compiled = @(Get-ChildItem $dependencies -Filter '*.dll' -File | Where-Object { Test-ReadyToRunImage (Join-Path $staging $_.Name) })
        if (-not ($compiled.Name -contains 'AgentGateway.Engine.dll')) { throw "The ReadyToRun publish for $rid left no precompiled AgentGateway.Engine.dll in $staging." }
        foreach ($dll in $compiled) { Copy-Item (Join-Path $staging $dll.Name) $target }
    }
}

# -ReadyToRun: the platforms to precompile for (Package: all of $ReadyToRunPlatforms; else this machine's, when
# it is one of them, so that tests and the bench run what a user of this platform gets).
function Invoke-Build {
    param([string[]] $ReadyToRun = @(Get-HostPlatform | Where-Object { $_ -in $ReadyToRunPlatforms }))
    Invoke-Dotnet -Quiet @('build', (Join-Path $Root 'AgentGateway.sln'), '-c', $Configuration)
    Remove-IfPresent $ModuleOut
    Invoke-Dotnet -Quiet @('publish', (Join-Path $Root 'src/AgentGateway/AgentGateway.csproj'), '-c', $Configuration, '--no-build', '-o', $ModuleOut)
    Move-ModuleDependency
    Add-ReadyToRunCode $ReadyToRun

    # The manifest, with the one version, its prerelease label and its release notes filled in.
    # Every quote PowerShell takes for a single quote (typographic ones too) doubled: the notes go in a '...' string.
    $notes = (Get-ReleaseNote $Version.Full) -replace "(['\u2018\u2019\u201A\u201B])", '$1$1'
    $manifest = Get-Content -Raw (Join-Path $Root 'AgentGateway.psd1')
    $manifest = $manifest -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$($Version.Version)'"
    $prerelease = if ($Version.Prerelease) { "`n            Prerelease   = '$($Version.Prerelease)'" } else { '' }
    $manifest = $manifest -replace "(?m)^(\s*)ReleaseNotes\s*=\s*'[^']*'", { "$($_.Groups[1].Value)ReleaseNotes = '$notes'$prerelease" }
    Set-Content -Path (Join-Path $ModuleOut 'AgentGateway.psd1') -Value $manifest -NoNewline
    Copy-Item (Join-Path $Root 'LICENSE') $ModuleOut

    # Format files, then help generated from docs/help in a child pwsh (it loads the built dlls).
    $formats = Join-Path $Root 'src/AgentGateway/Formats'
    if (Test-Path $formats) { Copy-Item (Join-Path $formats '*.ps1xml') $ModuleOut }
    Get-ChildItem $ModuleOut -Include '*.pdb', 'AgentGateway.Engine.xml' -Recurse | Remove-Item
    Invoke-ChildPwsh (Join-Path $Root 'build/New-ModuleHelp.ps1') -FailureMessage 'Help generation failed: see the errors above' -ArgumentList @(
        '-ModulePath', $ModuleOut, '-SourcePath', (Join-Path $Root 'docs/help'), '-ErrorCatalogPath', (Join-Path $Root 'docs/errors.md'))
    Write-Host "Module $($Version.Full) built in $ModuleOut"
}

# The sandbox as a .NET tool package (command agw-sandbox) in out/, for Pester suites of other repositories.
function New-SandboxToolPackage {
    Invoke-Dotnet -Quiet @('pack', (Join-Path $Root 'tests/AgentGateway.Sandbox/AgentGateway.Sandbox.csproj'), '-c', $Configuration, '--no-build', '-o', $Out) | Out-Host
    $package = Join-Path $Out "AgentGateway.Sandbox.$($Version.Full).nupkg"
    Assert-Path $package "dotnet pack wrote no $package."
    $package
}

# The sandbox tool package, installed as a suite elsewhere would install it (only from out/, no other
# source), into out/sandbox-tool; returns the agw-sandbox command.
function Install-SandboxTool {
    $package = New-SandboxToolPackage
    $toolPath = Join-Path $Out 'sandbox-tool'
    Remove-IfPresent $toolPath
    $config = Join-Path $Out 'sandbox-tool.nuget.config'
    Set-Content $config "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<configuration><packageSources><clear /><add key=`"out`" value=`"$Out`" /></packageSources></configuration>"
    Invoke-Dotnet @('tool', 'install', 'AgentGateway.Sandbox', '--tool-path', $toolPath, '--version', $Version.Full, '--configfile', $config) | Out-Host
    Remove-Item $config
    $command = Join-Path $toolPath $(if ($IsWindows) { 'agw-sandbox.exe' } else { 'agw-sandbox' })
    Assert-Path $command "dotnet tool install put no $command (from $package)."
    $command
}

function Invoke-Package {
    Invoke-Build -ReadyToRun $ReadyToRunPlatforms
    # PSResourceGet keeps its repository list under XDG_DATA_HOME (Linux, macOS): a temporary one leaves the
    # user's alone (on Windows the script's own unregistering does).
    # (It must exist: .NET answers '' for a missing one, and PSResourceGet would write to the current folder.)
    $dataHome = (New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "agw-package-$PID")).FullName
    $savedDataHome = $env:XDG_DATA_HOME
    $env:XDG_DATA_HOME = $dataHome
    try {
        Invoke-ChildPwsh (Join-Path $Root 'build/Publish-ModulePackage.ps1') -ArgumentList @('-ModulePath', $ModuleOut, '-DestinationPath', $Out) `
            -FailureMessage 'Packing the module failed: see the errors above' -Quiet
    }
    finally {
        $env:XDG_DATA_HOME = $savedDataHome
        Remove-Item $dataHome -Recurse -Force -ErrorAction SilentlyContinue
    }
    $tool = New-SandboxToolPackage
    Write-Host "Packages: $(Join-Path $Out "AgentGateway.$($Version.Full).nupkg"), $tool"
}

function Restore-Pester {
    $packages = Join-Path $ToolsDir 'packages'
    Invoke-Dotnet -Quiet @('restore', (Join-Path $Root 'build/Pester.restore.csproj'), '--packages', $packages)
    $pester = Join-Path $packages 'pester/6.2.0/tools/Pester.psd1'
    Assert-Path $pester "Pester 6.2.0 was not restored to $pester."
    $pester
}

function Read-TrxCounts([string] $Directory) {
    $counts = @{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -Recurse) {
        $c = ([xml](Get-Content -Raw $trx.FullName)).TestRun.ResultSummary.Counters
        $counts.Passed += [int]$c.passed
        $counts.Failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $counts.Skipped += [int]$c.notExecuted
    }
    $counts
}

# The names and messages of the failed xunit tests, from the trx files.
function Read-TrxFailures([string] $Directory) {
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -Recurse) {
        $xml = [xml](Get-Content -Raw $trx.FullName)
        foreach ($result in $xml.SelectNodes("//*[local-name()='UnitTestResult'][@outcome='Failed']")) {
            $message = $result.SelectSingleNode(".//*[local-name()='ErrorInfo']/*[local-name()='Message']")
            "$($result.GetAttribute('testName')): $((([string]$message.InnerText) -split "`n" | Select-Object -First 1))"
        }
    }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    Remove-IfPresent $results
    $null = New-Item -ItemType Directory $results

    $failures = 0
    foreach ($project in Get-ChildItem (Join-Path $Root 'tests') -Filter '*.Tests.csproj' -Recurse) {
        & dotnet test $project.FullName -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$($project.BaseName).trx" --logger 'console;verbosity=minimal' `
            --results-directory $results
        if ($LASTEXITCODE -ne 0) { $failures++ }
    }
    $xunit = Read-TrxCounts $results

    $pester = Restore-Pester
    $sandboxTool = Install-SandboxTool
    $pesterResult = Join-Path $results 'pester.json'
    Invoke-ChildPwsh (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1') -ArgumentList @(
        '-PesterPath', $pester, '-ModulePath', $ModuleOut, '-ResultPath', $pesterResult, '-ExamplePath', (Join-Path $Root 'examples'), '-SandboxCommand', $sandboxTool)
    $pesterExit = $LASTEXITCODE
    $pesterCounts = if (Test-Path $pesterResult) { Get-Content -Raw $pesterResult | ConvertFrom-Json } else { $null }
    if ($null -eq $pesterCounts) {
        Write-Warning "The Pester suite ended (exit code $pesterExit) without writing its results."
        $pesterCounts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }

    $passed = $xunit.Passed + $pesterCounts.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed
    $skipped = $xunit.Skipped + $pesterCounts.Skipped
    if ($failures -gt 0 -and $xunit.Failed -eq 0) { $failed += $failures }  # a test host that crashed before reporting
    Write-Host ''
    $failedTests = @(Read-TrxFailures $results) + @(if ($pesterCounts.PSObject.Properties['Failures']) { $pesterCounts.Failures | Where-Object { $_ } })
    if ($failedTests.Count -gt 0) {
        Write-Host 'Failed:'
        foreach ($line in $failedTests) { Write-Host "  $line" }
    }
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed, $($pesterCounts.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $pesterExit -ne 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Invoke-ChildPwsh (Join-Path $Root 'build/Demo.ps1') -ArgumentList @('-ModulePath', $ModuleOut) -FailureMessage 'The demo failed'
}

function Invoke-Sandbox {
    Invoke-Build
    Invoke-ChildPwsh (Join-Path $Root 'build/Start-Sandbox.ps1') -ArgumentList @('-ModulePath', $ModuleOut, '-Configuration', $Configuration) -Interactive
}

function Invoke-Bench {
    Invoke-Build
    $assembly = Join-Path $Root "bench/AgentGateway.CallPathBench/bin/$Configuration/net10.0/AgentGateway.CallPathBench.dll"
    Invoke-ChildPwsh (Join-Path $Root 'bench/Invoke-CallPathBench.ps1') -FailureMessage 'The bench failed' -ArgumentList @(
        '-ModulePath', $ModuleOut, '-BenchAssemblyPath', $assembly, '-Calls', $Calls, '-BulkCalls', $BulkCalls, '-LatencyMs', $LatencyMs, '-RttMs', $RttMs, '-Configuration', $Configuration)
}

$Version = Get-ModuleVersion

Push-Location $Root
try {
    # Every task is its function, Invoke-<Task>.
    & "Invoke-$Task"
}
finally {
    Pop-Location
}
