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
function Get-AgwEngineType {
    param([Parameter(Mandatory)] [string] $Name)
    (Get-AgwClientConfig).GetType().Assembly.GetType($Name, $true)
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

# The command that starts a fresh pwsh like this one ('dotnet pwsh.dll' when the dotnet tool runs it):
# the first element is the program, the rest its first arguments.
function Get-AgwPwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    , @($process)
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
