BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:Sandbox = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
}

AfterAll {
    Disconnect-AgwTestSandbox $Sandbox
}

Describe 'Tab completion' {
    It 'completes -OrdId from the credentials without a request' {
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
        $matches = (TabExpansion2 -inputScript 'Get-McpTool -OrdId sap.sandbox:mcpServer:tr' -cursorColumn 43).CompletionMatches
        $matches.CompletionText | Should -Contain 'sap.sandbox:mcpServer:travel:v1'
        (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be 0
    }

    It 'completes -Name from the last listing, and never calls the network' {
        Get-McpTool -OrdId '*travel*' | Out-Null
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
        $line = 'Invoke-McpTool -OrdId sap.sandbox:mcpServer:travel:v1 -Name insp'
        $matches = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $matches.CompletionText | Should -Be @('inspect-arguments')
        (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be 0
        (Get-AgwSandboxStats $Sandbox).tokenRequests | Should -Be 0
    }

    It 'completes -Name with the tools of every server seen, narrowed to the -OrdId on the line' {
        Get-McpTool -OrdId '*travel*' | Out-Null                       # the last listing: travel
        $null = Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:crm:v1' -Name ping   # crm listed once, for the schema check
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null

        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        Complete 'Invoke-McpTool -OrdId sap.sandbox:mcpServer:crm:v1 -Name f' | Should -Be @('find-customer')
        Complete 'Invoke-McpTool -OrdId sap.sandbox:mcpServer:travel:v1 -Name f' | Should -BeNullOrEmpty
        Complete 'Get-McpTool -OrdId *crm*, *travel* -Name get-' | Should -Be @('get-logo', 'get-weather')
        Complete 'Invoke-McpTool -Name e' | Should -Be @('echo')
        (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be 0
    }
}

Describe '-UserTokenProvider' {
    It 'runs the scriptblock before each call and uses the JWT it returns' {
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
        $jwts = @((New-AgwSandboxUserJwt $Sandbox 'alice'), (New-AgwSandboxUserJwt $Sandbox 'bob'))
        $script:calls = 0
        $provider = { $jwts[$script:calls++ % 2] }
        1..4 | ForEach-Object { Invoke-McpTool -Name echo -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ message = "m$_" } -UserTokenProvider $provider } |
            ForEach-Object Text | Should -Be @('m1', 'm2', 'm3', 'm4')
        $script:calls | Should -Be 4
        (Get-AgwSandboxStats $Sandbox).jwtBearer | Should -Be 2
    }

    It 'refuses a provider that returns nothing, naming the parameter' {
        { Invoke-McpTool -Name echo -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ message = 'x' } -UserTokenProvider { $null } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*-UserTokenProvider*'
    }
}
