# The agw-sandbox .NET tool as a user's script meets it: the installed tool (out/sandbox-tool, which
# build.ps1 -Task Test installs and passes in AGW_SANDBOX_COMMAND), else the built sandbox through dotnet.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # The program and its first arguments (an array even of one: an if statement's single value would be a string).
    $sandboxCommand = @(if ($env:AGW_SANDBOX_COMMAND) { $env:AGW_SANDBOX_COMMAND }
        else {
            $dll = Join-Path $PSScriptRoot '../AgentGateway.Sandbox/bin/Release/net10.0/AgentGateway.Sandbox.dll'
            if (-not (Test-Path $dll)) { throw "Neither AGW_SANDBOX_COMMAND nor the built sandbox ($dll): run dotnet pwsh ./build.ps1 -Task Build first." }
            'dotnet'
            (Resolve-Path $dll).Path
        })
    $quoted = ($sandboxCommand | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
}

Describe 'agw-sandbox' {
    It '--help prints every option, --ignore-stdin included, and exits 0' {
        $text = & $sandboxCommand[0] @($sandboxCommand | Select-Object -Skip 1) --help 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        foreach ($option in '--bindings', '--token-lifetime', '--ignore-stdin', '--shape-servers', '--rtt-ms', '--help') {
            $text | Should -Match ([regex]::Escape($option))
        }
    }

    It 'started in the background of a script (stdin closed) says so on stderr, naming --ignore-stdin, and exits non-zero' -Skip:$IsWindows {
        # A non-interactive sh gives a background job /dev/null as its standard input.
        $output = & sh -c "$quoted --bindings '$TestDrive/bindings' 2>'$TestDrive/err.txt' & wait `$!; echo exit=`$?"
        $errors = Get-Content -Raw "$TestDrive/err.txt"
        $output | Should -Be 'exit=3' -Because 'no JSON line is printed, and it does not pretend to run'
        $errors | Should -Match 'standard input is closed'
        $errors | Should -Match '--ignore-stdin'
    }

    It 'with --ignore-stdin and stdin at /dev/null, it runs until POST /admin/shutdown' -Skip:$IsWindows {
        $out = Join-Path $TestDrive 'line.json'
        $start = [System.Diagnostics.ProcessStartInfo]::new('sh')
        $start.ArgumentList.Add('-c')
        $start.ArgumentList.Add("exec $quoted --ignore-stdin < /dev/null > '$out'")
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            $line = $null
            for ($i = 0; $i -lt 300 -and -not $line -and -not $process.HasExited; $i++) {
                $line = Get-Content $out -ErrorAction SilentlyContinue | Select-Object -First 1
                if (-not $line) { Start-Sleep -Milliseconds 100 }
            }
            $line | Should -Not -BeNullOrEmpty -Because 'it prints its JSON line'
            $sandbox = $line | ConvertFrom-Json
            (Invoke-RestMethod "$($sandbox.adminUrl)/admin/stats") | Should -Not -BeNullOrEmpty
            $process.HasExited | Should -BeFalse
            $null = Invoke-RestMethod -Method Post "$($sandbox.adminUrl)/admin/shutdown"
            $process.WaitForExit(30000) | Should -BeTrue
            $process.ExitCode | Should -Be 0
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
        }
    }
}
