# Get-McpTool and Invoke-McpTool end to end against the sandbox gateway: listing (pagination, a failing
# server, filters), calling (arguments, results, errors), token and session reuse, 401 and lost sessions,
# cancellation and progress.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'
    $catalog = 'sap.sandbox:mcpServer:catalog:v1'
    $offline = 'sap.sandbox:mcpServer:offline:v1'
    $tenant = $sb.dependencies[0].globalTenantId

    # Forgets every token and MCP session of this runspace and zeroes the sandbox counters, so the
    # counts below do not depend on test order. (One clear is enough: it ends the sessions first.)
    function Reset-AgwTestState {
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Get-McpTool' {
    BeforeAll {
        Reset-AgwTestState
        $listErrors = $null
        $tools = @(Get-McpTool -ErrorVariable listErrors -ErrorAction SilentlyContinue)
        $listStats = Get-AgwSandboxStats $sb
    }

    It 'lists the tools of travel and crm' {
        ($tools | Where-Object OrdId -EQ $travel).Name | Sort-Object |
            Should -Be @('add', 'echo', 'get-weather', 'inspect-arguments', 'ping', 'slow')
        ($tools | Where-Object OrdId -EQ $crm).Name | Sort-Object |
            Should -Be @('find-customer', 'get-logo', 'mixed-content', 'ping', 'report-error', 'throw-error')
    }

    It 'follows tools/list pagination to all 12 catalog tools' {
        $names = ($tools | Where-Object OrdId -EQ $catalog).Name
        $names | Should -Be (1..12 | ForEach-Object { 'catalog-item-{0:00}' -f $_ })
        $listStats.toolsList | Should -Be 5 -Because 'catalog takes 3 pages of 4, travel and crm 1 each'
    }

    It 'writes one non-terminating error for the offline server, naming it' {
        @($listErrors) | Should -HaveCount 1
        $err = $listErrors[0]
        $err.FullyQualifiedErrorId | Should -BeLike 'McpServerError,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err.TargetObject | Should -Be $offline
        "$err" | Should -Match '503'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'emits typed tool objects with server, ORD id and endpoint' {
        $tools | Should -HaveCount 24
        foreach ($tool in $tools) {
            $tool.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpTool'
            $tool.OrdId | Should -BeIn @($travel, $crm, $catalog)
            $tool.GlobalTenantId | Should -Be $tenant
            $tool.Url.AbsoluteUri | Should -BeLike "$($sb.gatewayUrl)/v1/mcp/*"
        }
        ($tools | Where-Object OrdId -EQ $travel).ServerName | Sort-Object -Unique | Should -Be 'sandbox-travel'
        ($tools | Where-Object OrdId -EQ $crm).ServerName | Sort-Object -Unique | Should -Be 'sandbox-crm'
        ($tools | Where-Object OrdId -EQ $catalog).ServerName | Sort-Object -Unique | Should -Be 'sandbox-catalog'
    }

    It 'gives the input schema as objects and as JSON text' {
        $echo = $tools | Where-Object { $_.OrdId -eq $travel -and $_.Name -eq 'echo' }
        $echo.Description | Should -Be 'Returns the message unchanged.'
        $echo.InputSchema.type | Should -Be 'object'
        $echo.InputSchema.properties.message.type -eq 'string' | Should -BeTrue
        $echo.InputSchema.required | Should -Contain 'message'
        $fromJson = $echo.InputSchemaJson | ConvertFrom-Json
        $fromJson.properties.message.type | Should -Be 'string'
        $echo.Annotations.ReadOnlyHint | Should -BeTrue

        $weather = $tools | Where-Object Name -EQ 'get-weather'
        $weather.OutputSchema.properties.city.type | Should -Be 'string'
        $weather.OutputSchemaJson | ConvertFrom-Json | Should -Not -BeNullOrEmpty
    }

    It 'throws on the offline server under -ErrorAction Stop' {
        { Get-McpTool -ErrorAction Stop } | Should -Throw -ErrorId 'McpServerError*'
    }

    It '-OrdId with a wildcard sends nothing to the other servers' {
        Reset-AgwTestState
        $found = @(Get-McpTool -OrdId '*:travel:*' -ErrorAction Stop)
        $found.OrdId | Sort-Object -Unique | Should -Be $travel
        $found | Should -HaveCount 6
        $stats = Get-AgwSandboxStats $sb
        $stats.initialize | Should -Be 1
        $stats.toolsList | Should -Be 1
        $stats.serverDown503 | Should -Be 0
    }

    It '-OrdId takes several ORD ids' {
        $found = @(Get-McpTool -OrdId $travel, $crm -ErrorAction Stop)
        $found.OrdId | Sort-Object -Unique | Should -Be @($crm, $travel)
    }

    It '-OrdId naming no dependency is an error, not silence' {
        $errs = $null
        Get-McpTool -OrdId 'sap.sandbox:mcpServer:nowhere:v1' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpServerNotFound,*'
    }

    It '-Name filters with wildcards, across servers' {
        $found = @(Get-McpTool -Name 'catalog-item-0*' -OrdId $catalog)
        $found | Should -HaveCount 9
        $pings = @(Get-McpTool -Name 'PING' -OrdId '*travel*', '*crm*')
        $pings | Should -HaveCount 2
        $pings.ServerName | Sort-Object | Should -Be @('sandbox-crm', 'sandbox-travel')
        @(Get-McpTool -Name 'echo', 'add' -OrdId $travel).Name | Sort-Object | Should -Be @('add', 'echo')
    }

    It 'a literal -Name that matches no tool is McpToolNotFound with the closest names; the others still come' {
        $errs = $null
        $found = @(Get-McpTool -Name 'ecko', 'add' -OrdId $travel -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.Name | Should -Be 'add'
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpToolNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'ecko'
        "$($errs[0])" | Should -Match "Did you mean 'echo'\?"
        $errs[0].ErrorDetails.RecommendedAction | Should -Match 'Get-McpTool'
    }

    It '-TimeoutSec bounds the listing of a server that never answers' {
        # A listener that accepts connections (its backlog does) and never answers a request.
        $silent = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $silent.Start()
        try {
            $uri = "http://127.0.0.1:$($silent.LocalEndpoint.Port)/mcp"
            $err = { Get-McpTool -Uri $uri -TimeoutSec 1 -ErrorAction Stop } | Should -Throw -ErrorId 'McpTimeout*' -PassThru
            "$err" | Should -Match 'within 1 s'
            $err.TargetObject | Should -Not -BeNullOrEmpty
            $err.ErrorDetails.RecommendedAction | Should -Match '-TimeoutSec'
        }
        finally {
            $silent.Stop()
            $silent.Dispose()
        }
    }

    It 'a wildcard -Name or -OrdId that matches nothing is no error' {
        $errs = $null
        Get-McpTool -Name 'nothing-like-this*' -OrdId $travel -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-McpTool -OrdId '*:nowhere:*' -ErrorVariable +errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 0
    }

    It 'a literal -OrdId that names no dependency is an error; the other ORD ids are still listed' {
        $errs = $null
        $found = @(Get-McpTool -OrdId 'sap.sandbox:mcpServer:nowhere:v1', $travel -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.OrdId | Sort-Object -Unique | Should -Be $travel
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpServerNotFound,*'
        $errs[0].TargetObject | Should -Be 'sap.sandbox:mcpServer:nowhere:v1'
    }
}

Describe 'Invoke-McpTool -Name without -OrdId or -Uri' {
    BeforeEach {
        # A runspace of its own: no listing kept yet, so each test sees what a first call does.
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
        Invoke-AgwSandboxAdmin $sb reset-stats
        # The ErrorRecord of a failing call in that runspace.
        function Get-CallError([string] $Call) { Invoke-InRunspace $runspace "try { $Call -ErrorAction Stop } catch { `$_ }" }
    }

    AfterEach {
        $runspace.Dispose()
    }

    It 'calls the one dependency that has the tool, listing the dependencies once' {
        $result = Invoke-InRunspace $runspace "Invoke-McpTool -Name echo -Arguments @{ message = 'found alone' }"
        $result.Text | Should -Be 'found alone'
        $result.OrdId | Should -Be $travel
        (Invoke-InRunspace $runspace "Invoke-McpTool echo @{ message = 'again' }").Text | Should -Be 'again'
        $stats = Get-AgwSandboxStats $sb
        $stats.toolsList | Should -Be 5 -Because 'travel, crm and catalog (3 pages) were listed once, not again for the second call'
        $stats.toolsCall | Should -Be 2
    }

    It 'answers from the listing Get-McpTool made' {
        $null = Invoke-InRunspace $runspace 'Get-McpTool -ErrorAction SilentlyContinue'
        Invoke-AgwSandboxAdmin $sb reset-stats
        (Invoke-InRunspace $runspace 'Invoke-McpTool -Name add -Arguments @{ a = 2; b = 3 }').Text | Should -Match '5'
        (Get-AgwSandboxStats $sb).toolsList | Should -Be 0
    }

    It 'a name on several dependencies is McpToolAmbiguous naming them; nothing is called' {
        $err = Get-CallError 'Invoke-McpTool -Name ping'
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolAmbiguous,*'
        "$err" | Should -Match ([regex]::Escape($travel))
        "$err" | Should -Match ([regex]::Escape($crm))
        $err.ErrorDetails.RecommendedAction | Should -Match '-OrdId'
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }

    It 'an unknown name is McpToolNotFound with the closest names, before any tools/call' {
        $err = Get-CallError 'Invoke-McpTool -Name get-wether'
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'get-wether'
        "$err" | Should -Match "Did you mean 'get-weather'\?"
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }

    It 'an unknown name with -OrdId is McpToolNotFound too, not the server''s JSON-RPC error' {
        $err = Get-CallError "Invoke-McpTool -Name Echo -OrdId '$travel' -Arguments @{ message = 'x' }"
        $err.FullyQualifiedErrorId | Should -BeLike 'McpToolNotFound,*'
        "$err" | Should -Match "Did you mean 'echo'\?"
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }
}

Describe 'Invoke-McpTool: addressing the tool' {
    It 'takes tools from the pipeline' {
        $result = Get-McpTool -OrdId $travel -Name echo | Invoke-McpTool -Arguments @{ message = 'from the pipeline' }
        $result.Text | Should -Be 'from the pipeline'
        $result.Tool | Should -Be 'echo'
        $result.OrdId | Should -Be $travel
    }

    It 'calls each piped tool on its own server (same tool name on two servers)' {
        $results = @(Get-McpTool -Name ping -OrdId $travel, $crm | Invoke-McpTool)
        $results.Text | Sort-Object | Should -Be @('pong from sandbox-crm', 'pong from sandbox-travel')
    }

    It 'finds a tool by -Name and -OrdId' {
        (Invoke-McpTool -Name ping -OrdId $crm).Text | Should -Be 'pong from sandbox-crm'
        (Invoke-McpTool echo -OrdId $travel @{ message = 'positional' }).Text | Should -Be 'positional'
    }

    It 'finds a tool by -Name and -Uri on the gateway' {
        $uri = "$($sb.gatewayUrl)/v1/mcp/$([uri]::EscapeDataString($travel))/$tenant"
        $result = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'by uri' }
        $result.Text | Should -Be 'by uri'
        $result.Server | Should -Be 'sandbox-travel'
    }

    It '-OrdId naming no dependency is an error naming it' {
        $errs = $null
        Invoke-McpTool -Name echo -OrdId 'sap.sandbox:mcpServer:nowhere:v1' -Arguments @{ message = 'x' } -ErrorVariable errs -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].TargetObject | Should -Be 'sap.sandbox:mcpServer:nowhere:v1'
    }

    It 'suggests the name whose two adjacent letters were swapped (ecoh: echo)' {
        $err = { Invoke-McpTool -Name ecoh -OrdId $travel -Arguments @{ message = 'x' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'McpToolNotFound*' -PassThru
        "$err" | Should -Match "Did you mean 'echo'\?"
    }

    It 'refuses arguments that are not a dictionary or an object' {
        { Invoke-McpTool -Name echo -OrdId $travel -Arguments 42 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
    }
}

Describe 'Invoke-McpTool: arguments reach the server as written' {
    It 'takes a hashtable' {
        (Invoke-McpTool -Name add -OrdId $travel -Arguments @{ a = 2; b = 3.5 }).Text | Should -Be '5.5'
    }

    It 'takes an ordered dictionary and keeps its order' {
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel -Arguments ([ordered]@{ tags = @('z'); name = 'n'; count = 1 })
        $result.StructuredContent.arguments.PSObject.Properties.Name | Should -Be @('tags', 'name', 'count')
    }

    It 'takes a PSCustomObject' {
        (Invoke-McpTool -Name add -OrdId $travel -Arguments ([pscustomobject]@{ a = 40; b = 2 })).Text | Should -Be '42'
    }

    It 'sends nested objects, arrays, booleans, dates, enums and nulls as JSON of the right kind' {
        $when = [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [timespan]::FromHours(2))
        $utc = [datetime]::new(2026, 3, 4, 5, 6, 7, [DateTimeKind]::Utc)
        $arguments = @{
            name     = 'Zoë & <co>'
            count    = 3
            flag     = $false
            priority = [System.Diagnostics.ProcessPriorityClass]::High
            when     = $when
            tags     = @('only')
            address  = [pscustomobject]@{ street = 'Dietmar-Hopp-Allee 16'; city = 'Walldorf'; coordinates = @(49.29, 8.64); primary = $true }
            extra    = [ordered]@{ utc = $utc; none = $null; empty = @(); nested = @(1, @{ deep = @{ deeper = 'yes' } }) }
        }
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel -Arguments $arguments
        $got = $result.StructuredContent.arguments
        $kinds = $result.StructuredContent.kinds

        $got.name | Should -BeExactly 'Zoë & <co>'
        $got.count | Should -Be 3
        $kinds.count | Should -Be 'Number'
        $kinds.flag | Should -Be 'False'
        $got.priority | Should -Be 'High'
        $kinds.priority | Should -Be 'String'
        [DateTimeOffset]::Parse($got.when, [cultureinfo]::InvariantCulture) | Should -Be $when
        $kinds.when | Should -Be 'String'
        $kinds.tags | Should -Be 'Array' -Because 'a one-element array stays an array'
        @($got.tags) | Should -Be @('only')
        $kinds.address | Should -Be 'Object'
        $got.address.street | Should -Be 'Dietmar-Hopp-Allee 16'
        $got.address.coordinates | Should -Be @(49.29, 8.64)
        $got.address.primary | Should -BeTrue
        [DateTimeOffset]::Parse($got.extra.utc, [cultureinfo]::InvariantCulture).UtcDateTime | Should -Be $utc
        $got.extra.PSObject.Properties.Name | Should -Contain 'none'
        $got.extra.none | Should -BeNullOrEmpty
        @($got.extra.empty) | Should -HaveCount 0
        $got.extra.nested[0] | Should -Be 1
        $got.extra.nested[1].deep.deeper | Should -Be 'yes'
        ($result.Text | ConvertFrom-Json).address.city | Should -Be 'Walldorf'
    }

    It 'sends no arguments as an empty object' {
        $result = Invoke-McpTool -Name inspect-arguments -OrdId $travel
        @($result.StructuredContent.arguments.PSObject.Properties) | Should -HaveCount 0
    }
}

Describe 'Invoke-McpTool: results' {
    It 'has Text, Content, Raw, Duration and the server it ran on' {
        $result = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'hello' }
        $result.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpToolResult'
        $result.Text | Should -Be 'hello'
        $result.IsError | Should -BeFalse
        @($result.Content) | Should -HaveCount 1
        $result.Content[0].Type | Should -Be 'text'
        $result.Content[0].Text | Should -Be 'hello'
        ($result.Raw | ConvertFrom-Json).content[0].text | Should -Be 'hello'
        $result.Duration | Should -BeGreaterThan ([timespan]::Zero)
        $result.Server | Should -Be 'sandbox-travel'
        $result.Url.AbsoluteUri | Should -BeLike "$($sb.gatewayUrl)/v1/mcp/*"
        "$result" | Should -Be 'hello'
    }

    It 'gives structured content as an object' {
        $result = Invoke-McpTool -Name get-weather -OrdId $travel -Arguments @{ city = 'Walldorf' }
        $result.StructuredContent | Should -BeOfType [pscustomobject]
        $result.StructuredContent.city | Should -Be 'Walldorf'
        $result.StructuredContent.temperatureC | Should -Be 21.5
        $result.StructuredContent.notes | Should -Be @('no rain', 'light wind')

        $customers = Invoke-McpTool -Name find-customer -OrdId $crm -Arguments @{ query = 'acme' }
        $customers.StructuredContent.count | Should -Be 2
        $customers.StructuredContent.customers.id | Should -Be @('C-1001', 'C-1003')
    }

    It 'keeps an image block with its MIME type and bytes' {
        $result = Invoke-McpTool -Name get-logo -OrdId $crm
        $image = $result.Content | Where-Object Type -EQ 'image'
        $image | Should -HaveCount 1
        $image.MimeType | Should -Be 'image/png'
        $bytes = $image.GetBytes()
        $bytes[0..3] | Should -Be @(0x89, 0x50, 0x4E, 0x47)
    }

    It 'keeps text, resource link and embedded resource blocks of a mixed result' {
        $result = Invoke-McpTool -Name mixed-content -OrdId $crm
        $result.Content.Type | Should -Be @('text', 'resource_link', 'resource')
        $result.Content[1].Uri | Should -Be 'sandbox://crm/customers/C-1001'
        $result.Content[1].Title | Should -Be 'ACME Corporation'
        ($result.Content[2].Text | ConvertFrom-Json).id | Should -Be @('O-1', 'O-2')
        $result.Text | Should -Be 'Customer C-1001 has 2 open orders.'
    }

    It 'turns isError into a non-terminating McpToolError that carries the result' {
        $errs = $null
        $out = Invoke-McpTool -Name report-error -OrdId $crm -Arguments @{ reason = 'no stock' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpToolError,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $errs[0].TargetObject.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpToolResult'
        $errs[0].TargetObject.IsError | Should -BeTrue
        $errs[0].TargetObject.Text | Should -Be 'Tool failed: no stock'
        "$($errs[0])" | Should -Match 'no stock'
    }

    It 'continues after an isError result, and throws under -ErrorAction Stop' {
        $after = & { Invoke-McpTool -Name report-error -OrdId $crm -ErrorAction SilentlyContinue; 'next statement ran' }
        $after | Should -Be 'next statement ran'
        { Invoke-McpTool -Name report-error -OrdId $crm -ErrorAction Stop } | Should -Throw -ErrorId 'McpToolError*'
    }

    It 'turns a JSON-RPC error into an McpProtocolError carrying the code' {
        $errs = $null
        Invoke-McpTool -Name throw-error -OrdId $crm -Arguments @{ code = -32001 } -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'McpProtocolError,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ProtocolError'
        $errs[0].Exception.RpcErrorCode | Should -Be -32001
        "$($errs[0])" | Should -Match '-32001'
        "$($errs[0])" | Should -Match 'The sandbox refuses this call'
    }
}

Describe 'Invoke-McpTool: -WhatIf and -UserToken' {
    BeforeEach { Reset-AgwTestState }

    It '-WhatIf sends nothing' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'warm up' }
        Invoke-AgwSandboxAdmin $sb reset-stats
        Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'not sent' } -WhatIf | Should -BeNullOrEmpty
        $stats = Get-AgwSandboxStats $sb
        $stats.toolsCall | Should -Be 0
        $stats.mcpRequests | Should -Be 0
    }

    It '-UserToken exchanges the user JWT once and the call succeeds' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'carol'
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'as carol' } -UserToken $jwt).Text | Should -Be 'as carol'
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'again' } -UserToken $jwt).Text | Should -Be 'again'
        $stats = Get-AgwSandboxStats $sb
        $stats.jwtBearer | Should -Be 1
        $stats.clientCredentials | Should -Be 0 -Because 'no system token is needed for a user call'
        $stats.toolsCall | Should -Be 2
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 1
    }

    It 'lists with the user token too' {
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'dave'
        @(Get-McpTool -OrdId $travel -UserToken $jwt) | Should -HaveCount 6
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1
    }
}

Describe 'MCP cmdlets when the token service refuses' {
    BeforeEach { Reset-AgwTestState }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 0 }
    }

    It 'Invoke-McpTool reports a refused token request as TokenRequestFailed, not as an MCP protocol error' {
        $jwt = New-AgwSandboxUserJwt $sb
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_grant' }
        $err = { Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'x' } -UserToken $jwt -ErrorAction Stop } |
            Should -Throw -PassThru
        (Get-AgwSandboxStats $sb).mcpRequests | Should -Be 0 -Because 'no MCP request was sent without a token'
        $err.FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Match 'invalid_grant'
    }

    It 'Get-McpTool reports a refused token request once, as TokenRequestFailed naming the token service' {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 401; error = 'invalid_client' }
        $errs = $null
        Get-McpTool -OrdId $travel -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($errs[0].TargetObject)" | Should -Be $sb.tokenServiceUrl
    }
}

Describe 'Invoke-McpTool: tokens and sessions are reused' {
    BeforeEach { Reset-AgwTestState }

    It 'makes exactly 1 initialize and 1 token request over 200 sequential calls' {
        for ($i = 0; $i -lt 200; $i++) {
            $result = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = "call $i" }
            if ($result.Text -ne "call $i") { throw "call $i answered '$($result.Text)'" }
        }
        $stats = Get-AgwSandboxStats $sb
        $seen = $stats | ConvertTo-Json -Compress
        $stats.toolsCall | Should -Be 200
        $stats.initialize | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.tokenRequests | Should -Be 1 -Because "the sandbox saw $seen"
        $stats.clientCredentials | Should -Be 1
        $stats.unauthorized401 | Should -Be 0
    }

    It 'after a revocation, renews the token once (one 401, one token request) and the call succeeds' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'before' }
        $before = Get-AgwAccessToken
        Invoke-AgwSandboxAdmin $sb revoke
        Invoke-AgwSandboxAdmin $sb reset-stats

        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
        $stats = Get-AgwSandboxStats $sb
        $stats.unauthorized401 | Should -Be 1
        $stats.tokenRequests | Should -Be 1
        $stats.clientCredentials | Should -Be 1
        (Get-AgwAccessToken).Fingerprint | Should -Not -Be $before.Fingerprint
        (Get-AgwTokenCache -Statistics).Invalidations | Should -BeGreaterOrEqual 1

        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'later' }
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 1 -Because 'the renewed token is cached'
    }

    It 'after a revocation, listing renews the token once too' {
        $null = Get-McpTool -OrdId $travel
        Invoke-AgwSandboxAdmin $sb revoke
        Invoke-AgwSandboxAdmin $sb reset-stats
        @(Get-McpTool -OrdId $travel -ErrorAction Stop) | Should -HaveCount 6
        $stats = Get-AgwSandboxStats $sb
        $stats.tokenRequests | Should -Be 1
        $stats.unauthorized401 | Should -Be 1
    }

    It 'when the server forgets the session, starts exactly one new session and the call succeeds' {
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'before' }
        Invoke-AgwSandboxAdmin $sb forget-sessions
        Invoke-AgwSandboxAdmin $sb reset-stats

        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after' }).Text | Should -Be 'after'
        $stats = Get-AgwSandboxStats $sb
        $stats.initialize | Should -Be 1
        $stats.tokenRequests | Should -Be 0

        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'later' }
        (Get-AgwSandboxStats $sb).initialize | Should -Be 1
    }
}

Describe 'Clear-AgwTokenCache with open MCP sessions' {
    BeforeEach {
        Reset-AgwTestState
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'erin'
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'system session' }
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'user session' } -UserToken $jwt
        Invoke-AgwSandboxAdmin $sb reset-stats
    }

    It 'leaves the cache empty and requests no token' {
        Clear-AgwTokenCache
        Get-AgwTokenCache | Should -BeNullOrEmpty
        (Get-AgwSandboxStats $sb).tokenRequests | Should -Be 0 -Because 'clearing the cache must not fetch tokens (e.g. to end MCP sessions)'
    }

    It '-User leaves no user token and requests none' {
        Clear-AgwTokenCache -User
        @(Get-AgwTokenCache -Kind User) | Should -HaveCount 0
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 0
    }

    It 'makes the next call fetch a fresh token and start a new session' {
        $before = (Get-AgwTokenCache -Kind System).Fingerprint
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'after clear' }
        $stats = Get-AgwSandboxStats $sb
        $stats.clientCredentials | Should -Be 1
        $stats.initialize | Should -Be 1
        (Get-AgwTokenCache -Kind System).Fingerprint | Should -Not -Be $before
    }
}

Describe 'Invoke-McpTool in another runspace: cancellation and progress' {
    BeforeAll {
        $runspace = New-AgwTestRunspace
        # The binding root is process-wide (an environment variable); the config is per runspace.
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'"
    }

    AfterAll {
        if ($runspace) { $runspace.Dispose() }
    }

    It 'stops a long call within a few seconds, tells the server, and the runspace still works afterwards' {
        Invoke-AgwSandboxAdmin $sb reset-stats
        $null = Stop-AgwTestScriptWhenCalled -Sandbox $sb -Runspace $runspace -Script "Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 30 }"

        # The notifications/cancelled goes out in the background; give it a few seconds.
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ((Get-AgwSandboxStats $sb).cancelledNotifications -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Get-AgwSandboxStats $sb).cancelledNotifications | Should -Be 1
        (Invoke-InRunspace $runspace "Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'still here' }").Text |
            Should -Be 'still here'
    }

    It 'stops on -TimeoutSec with an McpTimeout error' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $err = { Invoke-McpTool -Name slow -OrdId $travel -Arguments @{ seconds = 30 } -TimeoutSec 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'McpTimeout*' -PassThru
        "$err" | Should -Not -Match 'Set-AgwClientConfig|-TimeoutSec' -Because 'the engine says what happened'
        $err.ErrorDetails.RecommendedAction | Should -Match '-TimeoutSec' -Because 'what to type comes from the cmdlet layer'
        $watch.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(10))
        (Invoke-McpTool -Name echo -OrdId $travel -Arguments @{ message = 'fine' }).Text | Should -Be 'fine'
    }

    It 'writes progress records while a slow tool runs' {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $result = $ps.AddScript("Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 1.5 }").Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result[0].Text | Should -Be 'waited 1.5s'
            $progress = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
            $progress.Count | Should -BeGreaterOrEqual 2
            foreach ($record in $progress) {
                $record.Activity | Should -Match 'slow'
                $record.PercentComplete | Should -BeIn (0..100)
            }
            @($progress.StatusDescription -match '\ds of 1\.5s') | Should -Not -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'writes progress records that keep the state they were written with (the progress advances)' {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript("Invoke-McpTool -Name slow -OrdId '$travel' -Arguments @{ seconds = 1.5 }").Invoke()
            $progress = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
            $distinct = @($progress.StatusDescription | Sort-Object -Unique)
            $distinct.Count | Should -BeGreaterOrEqual 2 -Because "the server reported several steps (got: $($progress.StatusDescription -join ' | '))"
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Verbose and debug lines follow the switch, else the preference' {
    BeforeAll {
        $call = "Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'quiet' }"
        function Get-VerboseLines([string] $Prologue, [string] $Switches) {
            $ps = [powershell]::Create()
            try {
                $ps.Runspace = $runspace
                $null = $ps.AddScript("$Prologue; $call $Switches").Invoke()
                [pscustomobject]@{ Verbose = @($ps.Streams.Verbose); Debug = @($ps.Streams.Debug) }
            }
            finally { $ps.Dispose() }
        }
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; $call" | Out-Null
    }

    AfterAll {
        $runspace.Dispose()
    }

    It 'shows nothing by default' {
        $lines = Get-VerboseLines '$VerbosePreference = ''SilentlyContinue''' ''
        $lines.Verbose | Should -BeNullOrEmpty
        $lines.Debug | Should -BeNullOrEmpty
    }

    It 'tells the story under $VerbosePreference = Continue' {
        ((Get-VerboseLines '$VerbosePreference = ''Continue''' '').Verbose.Message -join "`n") | Should -Match "Tool 'echo' on 'sandbox-travel' succeeded"
    }

    It '-Verbose:$false wins over the preference' {
        (Get-VerboseLines '$VerbosePreference = ''Continue''' '-Verbose:$false').Verbose | Should -BeNullOrEmpty
    }

    It '-Debug adds HTTP status lines without verbose ones' {
        $lines = Get-VerboseLines '$VerbosePreference = ''SilentlyContinue''' '-Debug'
        ($lines.Debug.Message -join "`n") | Should -Match 'HTTP POST \S+ -> 200 OK \(HTTP/2\.0\)' -Because 'the gateway offers HTTP/2, so calls share one connection'
        $lines.Verbose | Should -BeNullOrEmpty
    }
}
