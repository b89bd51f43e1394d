# docs/testing-with-pester.md and its example suite (examples/Sandbox.Tests.ps1) say the same, and the
# example's BeforeAll/AfterAll fail clearly without the sandbox tool. (The example itself runs from a copy in
# a temporary folder at the end of the test run: Invoke-PesterSuite.ps1.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $doc = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/testing-with-pester.md')
    $examplePath = Join-Path $PSScriptRoot '../../examples/Sandbox.Tests.ps1'
    # A line of code without its trailing comment, trimmed.
    $code = { param([string] $line) ($line -replace '\s+#\s.*$', '').Trim() }
    $exampleLines = @(Get-Content $examplePath | ForEach-Object { & $code $_ } | Where-Object { $_ })

    # Runs a copy of the example, from a folder of its own, in a fresh pwsh with the Pester of this run; the
    # scriptblock's text runs first (to change the environment). Returns the failure messages.
    function Invoke-ExampleCopy([string] $Setup) {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive "suite-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
        Copy-Item $examplePath $folder.FullName
        $pwsh = Get-AgwPwshCommand
        $pester = (Get-Module Pester).Path
        $script = @(
            "`$env:AGW_MODULE = '$($ModuleManifest -replace "'", "''")'"
            $Setup
            "Import-Module '$($pester -replace "'", "''")'"
            '$r = Invoke-Pester -Path . -Output None -PassThru'
            '"failed containers: $($r.FailedContainersCount), failed blocks: $($r.FailedBlocksCount), passed: $($r.PassedCount)"'
            '@($r.Containers.ErrorRecord) + @($r.Containers.Blocks.ErrorRecord) | Where-Object { $_ } | ForEach-Object { "error: $_" }'
        ) -join "`n"
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -WorkingDirectory $folder.FullName -Command $script 2>&1 | ForEach-Object { "$_" }
    }
}

Describe 'docs/testing-with-pester.md' {
    It 'gives its <Block> as the example suite has it' -ForEach @(@{ Block = 'BeforeAll' }, @{ Block = 'AfterAll' }) {
        $fence = [regex]::Match($doc, "(?ms)^``````powershell\r?\n($Block \{.*?^\})\r?\n``````")
        $fence.Success | Should -BeTrue -Because "the doc has a $Block block"
        foreach ($line in $fence.Groups[1].Value -split '\r?\n' | ForEach-Object { & $code $_ } | Where-Object { $_ }) {
            $exampleLines | Should -Contain $line -Because 'the example suite, which the test run runs, is the doc''s code'
        }
    }

    It 'says where pwsh 7.6 and Pester come from outside this repository, and names the tool by an absolute path' {
        $doc | Should -Match 'dotnet tool install PowerShell --version 7\.6'
        $doc | Should -Match 'Install-PSResource Pester'
        $doc | Should -Match ([regex]::Escape('--tool-path "$PWD/.tools"'))
        $doc | Should -Match ([regex]::Escape('export AGW_SANDBOX_COMMAND="$PWD/.tools/agw-sandbox"'))
        $doc | Should -Match '--ignore-stdin'
        $doc | Should -Match '/admin/shutdown'
    }
}

Describe 'The example suite without the sandbox tool' {
    It 'fails in its BeforeAll, naming what is missing, when <Case>; its AfterAll adds no error' -ForEach @(
        @{ Case = 'AGW_SANDBOX_COMMAND is unset and agw-sandbox is not on PATH'; Setup = 'Remove-Item env:AGW_SANDBOX_COMMAND -ErrorAction SilentlyContinue; $env:PATH = [IO.Path]::GetTempPath()' }
        @{ Case = 'AGW_SANDBOX_COMMAND names no file'; Setup = '$env:AGW_SANDBOX_COMMAND = Join-Path ([IO.Path]::GetTempPath()) ''no-such-dir/agw-sandbox''' }
    ) {
        $output = @(Invoke-ExampleCopy $Setup)
        $text = $output -join "`n"
        $text | Should -Match 'passed: 0'
        $text | Should -Match 'error: agw-sandbox not found'
        $text | Should -Match 'AGW_SANDBOX_COMMAND to its absolute path'
        @($output | Where-Object { $_ -like 'error: *' }) | Should -HaveCount 1 -Because "AfterAll must not fail on what BeforeAll did not make: $text"
    }
}
