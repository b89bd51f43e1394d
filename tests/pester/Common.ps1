# Dot-sourced by every test file: where the built module is, and small shared helpers.
$script:ModulePath = if ($env:AGW_TEST_MODULE_PATH) { $env:AGW_TEST_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/AgentGateway' }
$script:ModuleManifest = Join-Path $script:ModulePath 'AgentGateway.psd1'

# Opens a runspace of its own with the built module imported; the caller closes it.
function New-AgwTestRunspace {
    $iss = [initialsessionstate]::CreateDefault2()
    $iss.ImportPSModule($script:ModuleManifest)
    $runspace = [runspacefactory]::CreateRunspace($iss)
    $runspace.Open()
    $runspace
}

# A type of the engine, from the module imported in this runspace. PowerShell resolves type literals
# ([Name]) among the default load context's assemblies only, and the engine loads into the module's own
# (docs/architecture.md, Dependency isolation): the type is reached through an object the module returns.
# The engine assembly, as the module loaded it (its own load context): reached through an engine type that a type of
# the module names (the content blocks of McpToolResult.Content), since the cmdlets write the module's own types.
function Get-AgwEngineAssembly {
    [AgentGateway.McpToolResult].GetProperty('Content').PropertyType.GetGenericArguments()[0].Assembly
}

function Get-AgwEngineType {
    param([Parameter(Mandatory)] [string] $Name)
    (Get-AgwEngineAssembly).GetType($Name, $true)
}

# Runs a script in the given runspace and returns its output; errors become exceptions.
function Invoke-InRunspace {
    param(
        [Parameter(Mandatory)] [System.Management.Automation.Runspaces.Runspace] $Runspace,
        [Parameter(Mandatory)] [string] $Script
    )
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $Runspace
        $output = $ps.AddScript($Script).Invoke()
        if ($ps.Streams.Error.Count -gt 0) { throw $ps.Streams.Error[0] }
        $output
    }
    finally {
        $ps.Dispose()
    }
}

# Runs a script in a runspace of the test file's own (-Runspace; the file's $rs by default, made with
# New-AgwTestRunspace), so that what hostile servers list there reaches no other file's completions or lookups.
# Returns its output, errors and warnings: non-terminating errors are collected, not thrown (the scripts leave
# -ErrorAction at Continue so that they reach the error stream).
function Invoke-Hostile {
    param(
        [Parameter(Mandatory)] [scriptblock] $Script,
        [object[]] $ArgumentList = @(),
        [System.Management.Automation.Runspaces.Runspace] $Runspace = $rs
    )
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $Runspace
        $null = $ps.AddScript($Script.ToString())
        foreach ($argument in $ArgumentList) { $null = $ps.AddArgument($argument) }
        $output = @($ps.Invoke())
        [pscustomobject]@{ Output = $output; Errors = @($ps.Streams.Error); Warnings = @($ps.Streams.Warning) }
    }
    finally {
        $ps.Dispose()
    }
}

# The command that starts a fresh pwsh like this one ('dotnet pwsh.dll' when the dotnet tool runs it):
# the first element is the program, the rest its first arguments.
function Get-AgwPwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    , @($process)
}

# The folder of dependencies/ whose ReadyToRun copies this process loads (AgwLoadContext.PlatformFolderName,
# build.ps1's Get-HostPlatform): os-arch, or $null where the module uses the IL copies.
function Get-AgwPlatformFolder {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } elseif ($IsLinux -and [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier -notmatch 'musl') { 'linux' }
    $arch = switch ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture) { 'X64' { 'x64' } 'Arm64' { 'arm64' } }
    if ($os -and $arch) { "$os-$arch" }
}

# ---- the sandbox gateway, as the end-to-end tests use it -----------------------------------------
. (Join-Path $PSScriptRoot 'SandboxProcess.ps1')

# Starts a sandbox whose service binding lies under $BindingRoot and points this runspace at it:
# SERVICE_BINDING_ROOT (the old value is kept on the returned object) and the sandbox CA.
# -ArgumentList goes to the sandbox process (for example --shape-servers).
function Connect-AgwTestSandbox {
    param([Parameter(Mandatory)] [string] $BindingRoot, [string[]] $ArgumentList = @())
    $sandbox = Start-AgwSandbox -BindingRoot $BindingRoot -ArgumentList $ArgumentList
    $sandbox | Add-Member -NotePropertyName SavedBindingRoot -NotePropertyValue $env:SERVICE_BINDING_ROOT
    $sandbox | Add-Member -NotePropertyName BindingRoot -NotePropertyValue $BindingRoot
    $env:SERVICE_BINDING_ROOT = $BindingRoot
    Set-AgwClientConfig -Reset -TrustedCaPath $sandbox.caCertificatePath
    $sandbox
}

# Forgets every token and MCP session of this runspace and zeroes the counters of the sandbox (-Sandbox; the file's $sb
# by default), so that counts do not depend on test order. (One clear is enough: it ends the sessions first.)
function Reset-AgwTestState {
    param($Sandbox = $sb)
    Clear-AgwTokenCache
    Invoke-AgwSandboxAdmin $Sandbox reset-stats
}

# Undoes Connect-AgwTestSandbox: stops the sandbox, restores SERVICE_BINDING_ROOT and the default config.
function Disconnect-AgwTestSandbox {
    param($Sandbox)
    if (-not $Sandbox) { return }
    try { Clear-AgwTokenCache -ErrorAction SilentlyContinue } catch { }
    Set-AgwClientConfig -Reset
    $env:SERVICE_BINDING_ROOT = $Sandbox.SavedBindingRoot
    Stop-AgwSandbox $Sandbox
}

# The sandbox counters (tokenRequests, clientCredentials, jwtBearer, initialize, toolsList, toolsCall, unauthorized401, ...).
function Get-AgwSandboxStats {
    param([Parameter(Mandatory)] $Sandbox)
    Invoke-AgwSandboxAdmin $Sandbox stats -Method Get
}

# Runs a script in the runspace, stops it (PowerShell.Stop(), as Ctrl+C does) once the sandbox has seen
# -ToolsCalls tools/call requests (however long a loaded machine takes to get there), and asserts that the
# script was still running then and had stopped within a few seconds of Stop(). Returns how long Stop() took.
function Stop-AgwTestScriptWhenCalled {
    param(
        [Parameter(Mandatory)] $Sandbox,
        [Parameter(Mandatory)] [System.Management.Automation.Runspaces.Runspace] $Runspace,
        [Parameter(Mandatory)] [string] $Script,
        [int] $ToolsCalls = 1
    )
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $Runspace
        $null = $ps.AddScript($Script)
        $handle = $ps.BeginInvoke()
        $running = [datetime]::UtcNow.AddSeconds(30)
        while ((Get-AgwSandboxStats $Sandbox).toolsCall -lt $ToolsCalls -and -not $handle.IsCompleted -and [datetime]::UtcNow -lt $running) { Start-Sleep -Milliseconds 50 }
        $handle.IsCompleted | Should -BeFalse -Because 'the tools it calls take 30 s'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $stopped = $watch.Elapsed
        $handle.IsCompleted | Should -BeTrue
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $stopped | Should -BeLessThan ([timespan]::FromSeconds(5)) -Because "Stop() returned after $($stopped.TotalMilliseconds) ms"
        $stopped
    }
    finally {
        $ps.Dispose()
    }
}

# A user JWT signed by the sandbox's user IdP, to pass as -UserToken.
function New-AgwSandboxUserJwt {
    param([Parameter(Mandatory)] $Sandbox, [string] $Subject = 'sandbox-user')
    (Invoke-AgwSandboxAdmin $Sandbox user-jwt -Query @{ sub = $Subject }).jwt
}

# The first 8 hex digits (lower case) of the SHA-256 of a string: how the module fingerprints tokens.
function Get-AgwTestFingerprint {
    param([Parameter(Mandatory)] [string] $Secret)
    $hash = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($Secret))
    [System.Convert]::ToHexString($hash, 0, 4).ToLowerInvariant()
}

# The plain text of a SecureString.
function ConvertFrom-AgwTestSecureString {
    param([Parameter(Mandatory)] [securestring] $SecureString)
    [System.Net.NetworkCredential]::new('', $SecureString).Password
}

# ---- MCP servers no one here wrote (npm packages, run with Node.js) ---------------------------------

# Installs the pinned npm packages (name@version) once into $Prefix (under .tools/, git-ignored); reruns reuse them.
function Install-AgwNpmPackages {
    param([Parameter(Mandatory)] [string] $Prefix, [Parameter(Mandatory)] [string[]] $Packages)
    # Without Node.js 20+ (and its npm) the interop tests fail here, with this one line and no stack trace.
    $nodeVersion = if (Get-Command node -CommandType Application -ErrorAction SilentlyContinue) { "$(& node --version 2>$null)".Trim().TrimStart('v') }
    $hasNpm = [bool](Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)
    if (-not $nodeVersion -or -not $hasNpm -or [int]($nodeVersion -split '\.')[0] -lt 20) {
        $found = if (-not $nodeVersion) { 'no node on PATH' } elseif (-not $hasNpm) { "node $nodeVersion but no npm" } else { "node $nodeVersion" }
        throw "The interop tests need Node.js 20 or later with npm on PATH (found $found) to run $($Packages -join ', '); install Node.js 20+ and run the tests again."
    }
    $missing = foreach ($package in $Packages) {
        $at = $package.LastIndexOf('@')
        $manifest = Join-Path $Prefix "node_modules/$($package.Substring(0, $at))/package.json"
        $installed = if (Test-Path $manifest) { (Get-Content -Raw $manifest | ConvertFrom-Json).version }
        if ($installed -ne $package.Substring($at + 1)) { $package }
    }
    if ($missing) {
        $null = New-Item -ItemType Directory -Force $Prefix
        $log = & npm install --prefix $Prefix --no-audit --no-fund @Packages 2>&1
        if ($LASTEXITCODE -ne 0) { throw "npm install $($Packages -join ' ') failed (exit $LASTEXITCODE):`n$($log -join "`n")" }
    }
}

# Starts `node <Entry> streamableHttp` on a free loopback port (PORT) and waits until it listens; returns the
# process and its endpoint (POST/GET/DELETE /mcp). Both output pipes are drained: the servers log every request.
function Start-AgwNodeMcpServer {
    param([Parameter(Mandatory)] [string] $Entry, [Parameter(Mandatory)] [string] $Name)
    if (-not (Test-Path $Entry)) { throw "$Name has no $Entry after npm install." }
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $start = [System.Diagnostics.ProcessStartInfo]::new((Get-Command node -CommandType Application | Select-Object -First 1).Source)
    $start.ArgumentList.Add($Entry)
    $start.ArgumentList.Add('streamableHttp')
    $start.Environment['PORT'] = "$port"
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $stderrTask = $process.StandardError.ReadToEndAsync()
    $process.BeginOutputReadLine()

    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    $ready = $false
    while (-not $ready -and [DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); $ready = $true } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
    }
    if (-not $ready) {
        $why = if ($process.HasExited) { "it exited with code $($process.ExitCode): $($stderrTask.Result)" } else { 'it is still starting' }
        if (-not $process.HasExited) { $process.Kill($true) }
        throw "$Name did not listen on 127.0.0.1:$port within 30 s ($why)."
    }
    [pscustomobject]@{ Process = $process; Uri = "http://127.0.0.1:$port/mcp" }
}

function Stop-AgwNodeMcpServer {
    param($Server)
    if (-not $Server) { return }
    if (-not $Server.Process.HasExited) { $Server.Process.Kill($true); $null = $Server.Process.WaitForExit(5000) }
    $Server.Process.Dispose()
}

# No gateway credentials: an empty binding root, no INTEGRATION_* variables, the default config. Returns what
# Restore-AgwTestCredentials puts back.
function Clear-AgwTestCredentials {
    param([Parameter(Mandatory)] [string] $EmptyFolder)
    $saved = @{}
    foreach ($name in 'SERVICE_BINDING_ROOT', 'INTEGRATION_CLIENT_ID', 'INTEGRATION_AUTH_URL', 'INTEGRATION_GATEWAY_URL', 'INTEGRATION_DEPENDENCIES') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:SERVICE_BINDING_ROOT = (New-Item -ItemType Directory -Force $EmptyFolder).FullName
    Set-AgwClientConfig -Reset
    Clear-AgwTokenCache
    $saved
}

function Restore-AgwTestCredentials {
    param($Saved)
    if ($Saved) {
        foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
    }
    Set-AgwClientConfig -Reset
}
