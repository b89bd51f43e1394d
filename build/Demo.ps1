<#
.SYNOPSIS
    The demo: the built module against the local sandbox gateway. build.ps1 -Task Demo runs it
    in a fresh pwsh. It starts the sandbox, points the module at the sandbox's service binding,
    lists tools, calls one, revokes every token to show one renewal, and prints the cache counters.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/pester/SandboxProcess.ps1')

# Prints a step's title and its command exactly as written, then runs it in this scope and shows the output.
function Invoke-Step([string] $Title, [scriptblock] $Command) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    foreach ($line in $Command.ToString().Trim() -split '\r?\n') { Write-Host "PS> $($line.Trim())" -ForegroundColor Yellow }
    . $Command | Out-Host
}

$bindings = Join-Path ([IO.Path]::GetTempPath()) "agw-demo-$PID"
$sandbox = Start-AgwSandbox -BindingRoot $bindings
try {
    Invoke-Step 'Point this pwsh at the sandbox: its servicebinding.io folder holds the credentials, its CA signs its certificates' {
        $env:SERVICE_BINDING_ROOT = $bindings
        Import-Module (Join-Path $ModulePath 'AgentGateway.psd1')
        Set-AgwClientConfig -TrustedCaPath $sandbox.caCertificatePath
    }

    Invoke-Step 'Where the credentials come from' {
        Get-AgwClientConfig
    }

    Invoke-Step 'Every tool of every server the credentials name (one server is down on purpose: its error is shown after the table)' {
        Get-McpTool -ErrorAction SilentlyContinue -ErrorVariable listingErrors | Format-Table
        $listingErrors | ForEach-Object { "error [$($_.FullyQualifiedErrorId)] $($_.TargetObject): $($_.Exception.Message)" }
    }

    Invoke-Step 'Call a tool: pick it from the listing, pipe it' {
        Get-McpTool -OrdId '*travel*' -Name echo | Invoke-McpTool -Arguments @{ message = 'Hello from PowerShell' }
    }

    Invoke-Step 'Structured content comes back as objects' {
        (Invoke-McpTool -Name get-weather -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ city = 'Walldorf' }).StructuredContent
    }

    Invoke-Step 'The gateway revokes every token (the sandbox''s admin API); the next call renews once and goes through' {
        $echo = Get-McpTool -OrdId '*travel*' -Name echo
        Invoke-RestMethod -Method Post "$($sandbox.adminUrl)/admin/revoke" | Out-Null
        $echo | Invoke-McpTool -Arguments @{ message = 'still here' } -Verbose
    }

    Invoke-Step 'What the cache did' {
        Get-AgwTokenCache
        Get-AgwTokenCache -Statistics
    }

    Invoke-Step 'What the sandbox saw: token requests, initialize handshakes, tool calls, 401s' {
        Invoke-RestMethod "$($sandbox.adminUrl)/admin/stats" | Select-Object tokenRequests, initialize, toolsCall, unauthorized401 | Format-List
    }
}
finally {
    $sandbox | Stop-AgwSandbox
    Remove-Item $bindings -Recurse -Force -ErrorAction SilentlyContinue
}
