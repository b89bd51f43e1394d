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

Describe 'Tab completion that asks the server' {
    BeforeAll {
        $travel = 'sap.sandbox:mcpServer:travel:v1'
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        $null = Get-McpPrompt -OrdId $travel, 'sap.sandbox:mcpServer:crm:v1'
    }

    It 'completes a prompt argument by asking its server (completion/complete), with the values typed so far as context' {
        Complete "Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Li" | Should -Be @('Lisbon')
        Complete "Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Lisbon -nights " | Should -Be @("'2'", "'3'", "'4'") -Because 'a number is quoted: the parameter takes a string'
        Complete "Get-McpPromptMessage -Name plan-trip -destination Paris -nights " | Should -Be @("'7'", "'14'")
        # The argument as a parameter of its own is the prompt's argument when the command runs.
        (Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Lyon -nights 2)[0].Text | Should -Be 'Plan 2 nights in Lyon.'
    }

    It 'completes a resource template''s variable by asking its server, and fills the template from it' {
        Complete "Read-McpResource -OrdId $travel -ResourceUri 'travel://guides/{city}' -city L" | Should -Be @('Lisbon', 'London', 'Lyon')
        (Read-McpResource -OrdId $travel -ResourceUri 'travel://guides/{city}' -city Lyon).Text | Should -Match 'sights of Lyon'
    }

    It 'asks nothing of a server that declares no completions' {
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
        Complete 'Get-McpPromptMessage -OrdId sap.sandbox:mcpServer:crm:v1 -Name summarize-customer -customerId C' | Should -BeNullOrEmpty
        (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be 0 -Because 'its session is pooled from the listing, and completion/complete is not sent'
    }

    It 'lists the tools in the background at the first Tab of a fresh session (this Tab or the next offers them)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Set-AgwClientConfig').AddParameter('TrustedCaPath', $Sandbox.caCertificatePath).Invoke()
            $ps.Commands.Clear()
            $line = "Invoke-McpTool -OrdId $travel -Name insp"
            $null = $ps.AddScript('param($l) (TabExpansion2 -inputScript $l -cursorColumn $l.Length).CompletionMatches.CompletionText').AddArgument($line)
            $offered = @()
            for ($tab = 0; $tab -lt 10 -and $offered.Count -eq 0; $tab++) {
                $offered = @($ps.Invoke() | Where-Object { $_ })
            }
            $offered | Should -Be @('inspect-arguments')
            $tab | Should -BeLessOrEqual 3
        }
        finally {
            $ps.Dispose()
        }
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
