# An example Pester suite for scripts that use the AgentGateway module, as it would live in another
# repository (docs/testing-with-pester.md explains each part, and how to set it up in an empty folder).
# It needs:
#   - the module: Install-PSResource AgentGateway (or a module path in $env:AGW_MODULE);
#   - the sandbox gateway, the .NET tool agw-sandbox:
#       dotnet tool install --tool-path "$PWD/.tools" AgentGateway.Sandbox --add-source <folder with its .nupkg>
#     and $env:AGW_SANDBOX_COMMAND set to its absolute path, "$PWD/.tools/agw-sandbox" (else agw-sandbox on PATH);
#   - Pester: Install-PSResource Pester; then: pwsh -c 'Invoke-Pester ./Sandbox.Tests.ps1 -Output Detailed'.
# This repository's test run (dotnet pwsh ./build.ps1 -Task Test) runs a copy of it from a temporary folder.

BeforeAll {
    $savedBindingRoot = $env:SERVICE_BINDING_ROOT
    Import-Module $(if ($env:AGW_MODULE) { $env:AGW_MODULE } else { 'AgentGateway' }) -ErrorAction Stop

    # The sandbox tool: $env:AGW_SANDBOX_COMMAND, else agw-sandbox on PATH; neither is a failure that says so.
    $command = if ($env:AGW_SANDBOX_COMMAND) { $env:AGW_SANDBOX_COMMAND }
    else { (Get-Command agw-sandbox -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source }
    if (-not $command -or -not (Test-Path $command)) {
        throw "agw-sandbox not found ('$command'): install the AgentGateway.Sandbox tool and set `$env:AGW_SANDBOX_COMMAND to its absolute path, or put it on PATH."
    }

    # Start the sandbox: it prints one JSON line (URLs, its CA file, the service binding it wrote) and runs
    # until its standard input closes.
    $bindings = Join-Path $TestDrive 'bindings'
    $start = [System.Diagnostics.ProcessStartInfo]::new($command)
    $start.ArgumentList.Add('--bindings')
    $start.ArgumentList.Add($bindings)
    $start.RedirectStandardInput = $true      # held open by this pwsh: closing it stops the sandbox
    $start.RedirectStandardOutput = $true
    $sandboxProcess = [System.Diagnostics.Process]::Start($start)
    $line = $sandboxProcess.StandardOutput.ReadLineAsync()
    if (-not $line.Wait(60000) -or -not $line.Result) {
        throw "agw-sandbox printed no JSON line within 60 s (exit code: $(if ($sandboxProcess.HasExited) { $sandboxProcess.ExitCode } else { 'still running' }))."
    }
    $sandbox = $line.Result | ConvertFrom-Json

    # Point this runspace at it: its service binding holds the credentials, its CA signs its certificates.
    $env:SERVICE_BINDING_ROOT = $bindings
    Set-AgwClientConfig -Reset -TrustedCaPath $sandbox.caCertificatePath

    $travel = 'sap.sandbox:mcpServer:travel:v1'

    # The script under test: what a team would keep in its own module.
    function Get-Forecast {
        param([Parameter(Mandatory)] [string] $City)
        $result = Invoke-McpTool -OrdId $travel -Name get-weather -Arguments @{ city = $City } -ErrorAction Stop
        '{0}: {1}' -f $City, $result.StructuredContent.conditions
    }
}

AfterAll {
    # It runs even when BeforeAll failed: it touches only what BeforeAll got to make.
    if ($sandboxProcess -and -not $sandboxProcess.HasExited) {
        $sandboxProcess.StandardInput.Close()   # the sandbox stops when its standard input closes
        if (-not $sandboxProcess.WaitForExit(10000)) { $sandboxProcess.Kill($true) }
    }
    $env:SERVICE_BINDING_ROOT = $savedBindingRoot
    if (Get-Command Set-AgwClientConfig -ErrorAction SilentlyContinue) { Set-AgwClientConfig -Reset }
}

Describe 'Scripts against the sandbox gateway' {
    It 'gets results back as objects' {
        $result = Invoke-McpTool -OrdId $travel -Name echo -Arguments @{ message = 'hello' }
        $result.IsError | Should -BeFalse
        $result.Text | Should -Be 'hello'
        $result.Server | Should -Be 'sandbox-travel'
    }

    It 'runs the script under test end to end' {
        Get-Forecast -City 'Walldorf' | Should -Match '^Walldorf: \S'
    }

    It 'fails with a stable ErrorId, which a test asserts with Should -Throw -ErrorId' {
        { Invoke-McpTool -OrdId $travel -Name add -Arguments @{ a = 'one'; b = 2 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'ToolArgumentsInvalid*'
        { Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:crm:v1' -Name report-error -ErrorAction Stop } |
            Should -Throw -ErrorId 'McpToolError*'
    }

    It 'asks for one token, however many calls a loop makes (the counters, reset first)' {
        Clear-AgwTokenCache
        Clear-AgwTokenCache -Statistics
        1..5 | ForEach-Object { Invoke-McpTool -OrdId $travel -Name ping } | Should -HaveCount 5
        $statistics = Get-AgwTokenCache -Statistics
        $statistics.TokenRequests | Should -Be 1
        $statistics.Hits | Should -BeGreaterOrEqual 4
        # What the gateway saw, from the sandbox's admin API.
        (Invoke-RestMethod "$($sandbox.adminUrl)/admin/stats").toolsCall | Should -BeGreaterOrEqual 5
    }
}

Describe 'The script alone, with Invoke-McpTool mocked' {
    It 'formats what the tool returns, and asks for the right city' {
        Mock Invoke-McpTool { [pscustomobject]@{ StructuredContent = [pscustomobject]@{ conditions = 'sunny' } } }

        Get-Forecast -City 'Paris' | Should -Be 'Paris: sunny'

        Should -Invoke Invoke-McpTool -Times 1 -Exactly -ParameterFilter { $Name -eq 'get-weather' -and $Arguments.city -eq 'Paris' }
    }
}
