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

Describe 'A prompt''s arguments and a template''s variables in a fresh session' {
    BeforeAll {
        $travel = 'sap.sandbox:mcpServer:travel:v1'
        $tenant = $Sandbox.dependencies[0].globalTenantId
        $travelUri = "$($Sandbox.gatewayUrl)/v1/mcp/$([uri]::EscapeDataString($travel))/$tenant"

        # A new runspace with the module imported and the sandbox CA trusted (and $tok set, when given): nothing listed in it yet.
        function New-FreshSession($Token) {
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Set-AgwClientConfig').AddParameter('TrustedCaPath', $Sandbox.caCertificatePath).Invoke()
            $ps.Commands.Clear()
            if ($Token) { $ps.Runspace.SessionStateProxy.SetVariable('tok', $Token) }
            $ps
        }

        # Presses Tab on the line (at most 10 times) until something is offered; the completions and how many Tabs it took.
        function Invoke-Tab($Session, [string] $Line) {
            $Session.Commands.Clear()
            $null = $Session.AddScript('param($l) (TabExpansion2 -inputScript $l -cursorColumn $l.Length).CompletionMatches.CompletionText').AddArgument($Line)
            $offered = @()
            for ($tab = 1; $tab -le 10; $tab++) {
                $offered = @($Session.Invoke() | Where-Object { $_ })
                if ($offered.Count -gt 0) { break }
            }
            [pscustomobject]@{ Offered = $offered; Tabs = $tab }
        }

        function Invoke-Line($Session, [string] $Line) {
            $Session.Commands.Clear()
            $Session.Streams.Error.Clear()
            $out = $Session.AddScript($Line).Invoke()
            [pscustomobject]@{ Output = $out; Errors = @($Session.Streams.Error) }
        }
    }

    It 'offers a prompt''s arguments as parameters at the first Tab or the next (its listing started in the background), and their values' {
        $session = New-FreshSession
        try {
            $tab = Invoke-Tab $session "Get-McpPromptMessage -OrdId $travel -Name plan-trip -n"
            $tab.Offered | Should -Contain '-nights'
            $tab.Tabs | Should -BeLessOrEqual 3
            (Invoke-Tab $session "Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Li").Offered | Should -Be @('Lisbon')
        }
        finally {
            $session.Dispose()
        }
    }

    It 'offers the names of the -Uri endpoint on <Command> <Parameter> at the first Tab or the next (listed in the background), each as exactly one argument' -ForEach @(
        @{ Command = 'Get-McpPrompt'; Parameter = '-Name'; Pattern = $true; Expected = 'greet', 'plan-trip'; Other = 'summarize-customer' }
        @{ Command = 'Get-McpPromptMessage'; Parameter = '-Name'; Pattern = $false; Expected = 'greet', 'plan-trip'; Other = 'summarize-customer' }
        @{ Command = 'Get-McpResource'; Parameter = '-Name'; Pattern = $true; Expected = 'bundle', 'city-guide', 'lisbon-guide', 'logo'; Other = 'customer-index' }
        @{ Command = 'Get-McpResource'; Parameter = '-ResourceUri'; Pattern = $true; Expected = 'travel://bundle/{name}', 'travel://guides/lisbon', 'travel://guides/{city}', 'travel://images/logo.png'; Other = 'crm://customers/index.json' }
        @{ Command = 'Read-McpResource'; Parameter = '-ResourceUri'; Pattern = $false; Expected = 'travel://bundle/{name}', 'travel://guides/lisbon', 'travel://guides/{city}', 'travel://images/logo.png'; Other = 'crm://customers/index.json' }
    ) {
        $session = New-FreshSession
        try {
            $line = "$Command -Uri $travelUri $Parameter "
            $tab = Invoke-Tab $session $line
            $tab.Tabs | Should -BeLessOrEqual 3
            $values = foreach ($completion in $tab.Offered) {
                # The completed line parses to the command, -Uri and its value, the parameter and exactly one value.
                $errors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseInput("$line$completion", [ref] $null, [ref] $errors)
                $errors | Should -BeNullOrEmpty
                $ast.EndBlock.Statements | Should -HaveCount 1
                $parts = $ast.EndBlock.Statements[0].PipelineElements[0].CommandElements
                $parts | Should -HaveCount 5 -Because "'$line$completion' has one value for $Parameter"
                $parts[3].ParameterName | Should -Be $Parameter.TrimStart('-')
                $parts[4] | Should -BeOfType System.Management.Automation.Language.StringConstantExpressionAst
                if ($Pattern) { [WildcardPattern]::Unescape($parts[4].Value) } else { $parts[4].Value }
            }
            $values | Should -Be $Expected
            $values | Should -Not -Contain $Other -Because 'only the -Uri endpoint is listed and offered'
        }
        finally {
            $session.Dispose()
        }
    }

    It 'offers the dependencies'' prompt names without -Uri or -OrdId at the first Tab or the next, and no request once listed' {
        $session = New-FreshSession
        try {
            $tab = Invoke-Tab $session 'Get-McpPromptMessage -Name '
            $tab.Tabs | Should -BeLessOrEqual 3
            $tab.Offered | Should -Contain 'plan-trip'
            $tab.Offered | Should -Contain 'summarize-customer'
            Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
            (Invoke-Tab $session 'Get-McpPromptMessage -OrdId sap.sandbox:mcpServer:crm:v1 -Name ').Offered | Should -Be @('summarize-customer')
            (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be 0 -Because 'the listing is kept'
        }
        finally {
            $session.Dispose()
        }
    }

    It 'binds a prompt''s argument given as a parameter in the first command of a session, with and without -OrdId' {
        foreach ($line in "Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Lyon -nights 2", 'Get-McpPromptMessage -Name plan-trip -nights 2 -destination Lyon') {
            $session = New-FreshSession
            try {
                $ran = Invoke-Line $session $line
                $ran.Errors | Should -BeNullOrEmpty
                $ran.Output[0].Text | Should -Be 'Plan 2 nights in Lyon.'
            }
            finally {
                $session.Dispose()
            }
        }
    }

    It 'lists a server that fails once in the first command of a session: that listing is the call''s, and its error the call''s' {
        $offline = 'sap.sandbox:mcpServer:offline:v1'
        $lister = New-FreshSession
        $caller = New-FreshSession
        try {
            Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
            $listed = Invoke-Line $lister "Get-McpPrompt -OrdId $offline"
            $once = (Get-AgwSandboxStats $Sandbox).mcpRequests
            Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
            $ran = Invoke-Line $caller "Get-McpPromptMessage -OrdId $offline -Name plan-trip -Arguments @{ destination = 'Lyon' }"

            $once | Should -BeGreaterThan 0
            (Get-AgwSandboxStats $Sandbox).mcpRequests | Should -Be $once -Because 'the server is listed once, for the parameters and the call'
            $ran.Errors.Count | Should -Be 1
            $ran.Errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $listed.Errors[0].FullyQualifiedErrorId.Split(',')[0]
            "$($ran.Errors[0].TargetObject)" | Should -Be 'plan-trip'
        }
        finally {
            $lister.Dispose()
            $caller.Dispose()
        }
    }

    It 'still names an argument the prompt does not have as a parameter PowerShell cannot find' {
        $session = New-FreshSession
        try {
            $ran = Invoke-Line $session "Get-McpPromptMessage -OrdId $travel -Name plan-trip -destination Lyon -budget 3"
            $ran.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NamedParameterNotFound,*'
            "$($ran.Errors[0])" | Should -BeLike '*budget*'
        }
        finally {
            $session.Dispose()
        }
    }

    It 'completes a template''s variable without -OrdId, listing the dependencies'' resources in the background' {
        $session = New-FreshSession
        try {
            $tab = Invoke-Tab $session "Read-McpResource -ResourceUri 'travel://guides/{city}' -city L"
            $tab.Offered | Should -Be @('Lisbon', 'London', 'Lyon')
            $tab.Tabs | Should -BeLessOrEqual 3
        }
        finally {
            $session.Dispose()
        }
    }

    It 'lists and asks a -Uri endpoint with the -AccessToken typed on the line, as the command does' {
        # Without credentials, only the typed token can open the gateway: a listing or completion without it would fail.
        $token = (Get-AgwAccessToken).Token
        $saved = $env:SERVICE_BINDING_ROOT
        $env:SERVICE_BINDING_ROOT = Join-Path $TestDrive 'no-bindings'
        $session = New-FreshSession -Token $token
        $bare = New-FreshSession
        try {
            (Invoke-Tab $bare "Get-McpPromptMessage -Uri $travelUri -Name plan-trip -n").Offered | Should -Not -Contain '-nights' -Because 'without a token the endpoint lists nothing'
            $tab = Invoke-Tab $session "Get-McpPromptMessage -Uri $travelUri -AccessToken `$tok -Name plan-trip -n"
            $tab.Offered | Should -Contain '-nights'
            $tab.Tabs | Should -BeLessOrEqual 3
            (Invoke-Tab $session "Get-McpPromptMessage -Uri $travelUri -AccessToken `$tok -Name plan-trip -destination Li").Offered | Should -Be @('Lisbon')
            (Invoke-Tab $session "Read-McpResource -Uri $travelUri -AccessToken `$tok -ResourceUri 'travel://guides/{city}' -city Ly").Offered | Should -Be @('Lyon')
        }
        finally {
            $session.Dispose()
            $bare.Dispose()
        }

        $session = New-FreshSession -Token $token
        try {
            $ran = Invoke-Line $session "Get-McpPromptMessage -Uri $travelUri -AccessToken `$tok -Name plan-trip -destination Lyon -nights 2"
            $ran.Errors | Should -BeNullOrEmpty
            $ran.Output[0].Text | Should -Be 'Plan 2 nights in Lyon.'
        }
        finally {
            $session.Dispose()
            $env:SERVICE_BINDING_ROOT = $saved
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
