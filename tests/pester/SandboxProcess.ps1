# Starts and stops the sandbox gateway (tests/AgentGateway.Sandbox) as a process.
# Dot-sourced by the Pester suite and by build.ps1 -Task Demo.

function Start-AgwSandbox {
    <#
    .SYNOPSIS
        Starts the sandbox gateway, waits for its JSON line and returns it with the process.
    .PARAMETER BindingRoot
        A folder under which the sandbox writes a servicebinding.io binding pointing at itself.
    #>
    [CmdletBinding()]
    param(
        [string] $BindingRoot,
        [string[]] $ArgumentList = @(),
        [string] $Configuration = 'Release'
    )
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $dll = Join-Path $repo "tests/AgentGateway.Sandbox/bin/$Configuration/net10.0/AgentGateway.Sandbox.dll"
    if (-not (Test-Path $dll)) { throw "The sandbox is not built ($dll); run dotnet pwsh ./build.ps1 -Task Build first." }

    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $start.ArgumentList.Add($dll)
    if ($BindingRoot) { $start.ArgumentList.Add('--bindings'); $start.ArgumentList.Add($BindingRoot) }
    foreach ($argument in $ArgumentList) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)

    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([timespan]::FromSeconds(60)) -or -not $line.Result) {
        if (-not $process.HasExited) { $process.Kill($true) }
        throw "The sandbox did not report its endpoints within 60 s (exit code: $(if ($process.HasExited) { $process.ExitCode } else { 'still running' }))."
    }
    $info = $line.Result | ConvertFrom-Json
    $info | Add-Member -NotePropertyName Process -NotePropertyValue $process -PassThru
}

function Stop-AgwSandbox {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Sandbox)
    process {
        $process = $Sandbox.Process
        if ($process.HasExited) { return }
        $process.StandardInput.Close()   # the sandbox stops when its standard input closes
        if (-not $process.WaitForExit(10000)) { $process.Kill($true) }
        $process.Dispose()
    }
}

function Invoke-AgwSandboxAdmin {
    <#
    .SYNOPSIS
        Calls an admin endpoint of a running sandbox: revoke, forget-sessions, stats, reset-stats, fail-next, token, user-jwt.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Sandbox,
        [Parameter(Mandatory)] [string] $Action,
        [hashtable] $Query = @{},
        [string] $Method = 'Post'
    )
    $uri = "$($Sandbox.adminUrl.TrimEnd('/'))/admin/$Action"
    # PSBase: a key named 'count' (fail-next?count=0) must not stand in for the number of entries.
    if ($Query.PSBase.Count) { $uri += '?' + (($Query.GetEnumerator() | ForEach-Object { "$($_.Key)=$([uri]::EscapeDataString([string]$_.Value))" }) -join '&') }
    Invoke-RestMethod -Method $Method -Uri $uri
}

function Get-AgwSandboxSetupLine {
    <#
    .SYNOPSIS
        The lines that point a pwsh at a running sandbox: the service binding it wrote, the module, its CA.
        build.ps1 -Task Sandbox prints them; a Pester test runs them.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Sandbox,
        [Parameter(Mandatory)] [string] $ModulePath
    )
    $quote = { param([string] $s) "'" + ($s -replace "'", "''") + "'" }
    "`$env:SERVICE_BINDING_ROOT = $(& $quote (Split-Path $Sandbox.bindingPath -Parent))"
    "Import-Module $(& $quote (Resolve-Path $ModulePath).Path)"
    "Set-AgwClientConfig -TrustedCaPath $(& $quote $Sandbox.caCertificatePath)"
    "Get-McpTool -OrdId '*travel*'"
    "Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:travel:v1' -Name echo -Arguments @{ message = 'hi' }"
}
