# Interop with an older published MCP server that speaks only 2025-03-26: the reference "everything" server of
# May 2025 (@modelcontextprotocol/server-everything 2025.5.12) on @modelcontextprotocol/sdk 1.12.0, pinned beside
# it, over Streamable HTTP, reached with -Uri and no credentials. Installed once into .tools/ (git-ignored).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force

    $prefix = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path '.tools/npm-2025-03-26'
    Install-AgwNpmPackages -Prefix $prefix -Packages '@modelcontextprotocol/server-everything@2025.5.12', '@modelcontextprotocol/sdk@1.12.0'
    $server = Start-AgwNodeMcpServer -Entry (Join-Path $prefix 'node_modules/@modelcontextprotocol/server-everything/dist/index.js') -Name 'server-everything 2025.5.12'
    $uri = $server.Uri
    $savedCredentials = Clear-AgwTestCredentials -EmptyFolder (Join-Path $TestDrive 'no-bindings')
}

AfterAll {
    Stop-AgwNodeMcpServer $server
    Restore-AgwTestCredentials $savedCredentials
}

Describe 'server-everything 2025.5.12 on @modelcontextprotocol/sdk 1.12.0 (2025-03-26 only)' {
    It 'has the pinned SDK beside it' {
        (Get-Content -Raw (Join-Path $prefix 'node_modules/@modelcontextprotocol/sdk/package.json') | ConvertFrom-Json).version | Should -Be '1.12.0'
    }

    It 'lists its tools at 2025-03-26' {
        $tools = @(Get-McpTool -Uri $uri -ErrorAction Stop)
        $tools.Name | Should -Contain 'echo'
        $tools.Name | Should -Contain 'add'
        $tools.ProtocolVersion | Sort-Object -Unique | Should -Be '2025-03-26'
    }

    It 'calls its tools' {
        $echo = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'from 2026' } -ErrorAction Stop
        $echo.Text | Should -Be 'Echo: from 2026'
        $echo.ProtocolVersion | Should -Be '2025-03-26'
        (Invoke-McpTool -Name add -Uri $uri -Arguments @{ a = 2; b = 3 } -ErrorAction Stop).Text | Should -Be 'The sum of 2 and 3 is 5.'
    }

    It 'reuses the session it negotiated' {
        $verbose = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'again' } -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Where-Object { $_ -like '*reused*protocol 2025-03-26*' } | Should -Not -BeNullOrEmpty
        $verbose | Where-Object { $_ -like '*created*' } | Should -BeNullOrEmpty
    }
}
