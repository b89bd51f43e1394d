<#
.SYNOPSIS
    Runs the Pester suite (and the example suites) against a built module; build.ps1 -Task Test starts
    it in a child pwsh so that the build session never loads the module's dlls.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    # The example suites (examples/), run like a suite of another repository would run them
    # (docs/testing-with-pester.md): copied into a new temporary folder outside the repository and run there
    # by a fresh pwsh, the module by path in AGW_MODULE, the installed sandbox tool in AGW_SANDBOX_COMMAND.
    [string] $ExamplePath,
    [string] $SandboxCommand
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:AGW_TEST_MODULE_PATH = $ModulePath
$env:AGW_MODULE = Join-Path $ModulePath 'AgentGateway.psd1'
if ($SandboxCommand) { $env:AGW_SANDBOX_COMMAND = $SandboxCommand }

$config = New-PesterConfiguration
$config.Run.Path = @($PSScriptRoot)
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.xml')

$result = Invoke-Pester -Configuration $config
$counts = [pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
    # What failed, by name and the first line of its error: build.ps1 prints them again after the counts, so that
    # the end of a long log (all a CI page may show) names them.
    Failures = @(
        foreach ($test in $result.Failed) { "$($test.ExpandedPath): $(([string]$test.ErrorRecord[0]) -split "`n" | Select-Object -First 1)" }
        foreach ($block in $result.FailedBlocks) { "$($block.ExpandedPath) (setup): $(([string]$block.ErrorRecord[0]) -split "`n" | Select-Object -First 1)" }
        foreach ($container in $result.FailedContainers) { "$($container.Item) (file): $(([string]$container.ErrorRecord[0]) -split "`n" | Select-Object -First 1)" }
    )
}

if ($ExamplePath) {
    # A user's empty folder: only the suite in it, outside the repository. The one line that differs from
    # docs/testing-with-pester.md is the Import-Module of the Pester restored here (no gallery is reachable
    # from the tests), before the same Invoke-Pester line a user runs.
    $folder = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "agw-example-suite-$PID-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
    $exampleCounts = Join-Path ([IO.Path]::GetTempPath()) "$($folder.Name).json"
    try {
        Copy-Item (Join-Path $ExamplePath '*.Tests.ps1') $folder.FullName
        $quote = { param([string] $s) "'" + ($s -replace "'", "''") + "'" }
        $script = @(
            "Import-Module $(& $quote (Resolve-Path $PesterPath).Path)"
            "`$r = Invoke-Pester -Path . -Output Detailed -PassThru"
            "[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount + `$r.NotRunCount } | ConvertTo-Json | Set-Content -Path $(& $quote $exampleCounts)"
        ) -join "`n"
        $pwsh = [Environment]::ProcessPath
        $pwshArguments = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        Write-Host "Example suites, from a copy in $($folder.FullName):"
        & $pwsh @pwshArguments -NoProfile -NonInteractive -WorkingDirectory $folder.FullName -Command $script
        $examples = if (Test-Path $exampleCounts) { Get-Content -Raw $exampleCounts | ConvertFrom-Json }
        else { Write-Warning "The example suites ended (exit code $LASTEXITCODE) without writing their results."; [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
        $counts.Passed += $examples.Passed
        $counts.Failed += $examples.Failed
        $counts.Skipped += $examples.Skipped
        if ($examples.Failed -gt 0) { $counts.Failures += "the example suites: $($examples.Failed) failed (see above)" }
    }
    finally {
        Remove-Item $folder.FullName -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Item $exampleCounts -Force -ErrorAction SilentlyContinue
    }
}

$counts | ConvertTo-Json | Set-Content -Path $ResultPath
exit ([int]($counts.Failed -gt 0))
