# Get-McpTool end to end against the sandbox gateway: listing (pagination, a failing server, filters) and a
# refused token request. (Reset-AgwTestState, Common.ps1, makes the counts below independent of test order.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'
    $catalog = 'sap.sandbox:mcpServer:catalog:v1'
    $offline = 'sap.sandbox:mcpServer:offline:v1'
    $tenant = $sb.dependencies[0].globalTenantId
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

Describe 'Get-McpTool when the token service refuses' {
    BeforeEach { Reset-AgwTestState }

    AfterEach {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 0 }
    }

    It 'reports a refused token request once, as TokenRequestFailed naming the token service' {
        Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 401; error = 'invalid_client' }
        $errs = $null
        Get-McpTool -OrdId $travel -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($errs) | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'TokenRequestFailed,*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$($errs[0].TargetObject)" | Should -Be $sb.tokenServiceUrl
    }
}
