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
