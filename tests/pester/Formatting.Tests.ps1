# The default views of the module's objects (Format.ps1xml) against real objects from the sandbox:
# the view the issue asks for is the one chosen, and it fits an 80-column terminal.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $jwt = New-AgwSandboxUserJwt $sb -Subject 'formatting'

    $tools = Get-McpTool -OrdId '*travel*', '*crm*'
    $results = @(
        Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:travel:v1' -Name echo -Arguments @{ message = 'x' * 200 }
        Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:travel:v1' -Name get-weather -Arguments @{ city = 'Walldorf' } -UserToken $jwt
    )
    $views = @{
        McpTool       = $tools
        McpToolResult = $results
        CacheEntry    = Get-AgwTokenCache
        Statistics    = Get-AgwTokenCache -Statistics
        Config        = Get-AgwClientConfig
        AccessToken   = Get-AgwAccessToken
    }

    # The default view as an 80-column terminal shows it: the lines, trailing blanks trimmed.
    function Show-At80([object[]] $InputObject) {
        ($InputObject | Out-String -Width 80) -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ }
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Default views' {
    It 'the <View> view has no line longer than 80 columns' -ForEach @(
        @{ View = 'McpTool' }, @{ View = 'McpToolResult' }, @{ View = 'CacheEntry' },
        @{ View = 'Statistics' }, @{ View = 'Config' }, @{ View = 'AccessToken' }
    ) {
        $lines = Show-At80 $views[$View]
        $lines | Should -Not -BeNullOrEmpty
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
    }

    It 'shows tools as a table of ServerName, Name and a one-line Description' {
        $lines = Show-At80 $tools
        $lines[0] | Should -Match '^ServerName\s+Name\s+Description$'
        # one line per tool under the header and its rule
        $lines.Count | Should -Be ($tools.Count + 2)
    }

    It 'shows results as a table with IsError, Server, Tool and the whole Text, wrapped' {
        $lines = Show-At80 $results[0]
        $lines[0] | Should -Match '^IsError\s+Server\s+Tool\s+Text$'
        $lines[2] | Should -Match '^False\s+sandbox-travel\s+echo\s+x+$'
        # The Text column starts at 44: IsError (7), Server (16) and Tool (18), each with a blank after it.
        (($lines | Select-Object -Skip 2 | ForEach-Object { $_.Substring(44) }) -join '') | Should -Be ('x' * 200)
    }

    It 'tells the same tool on two servers apart by the Server column' {
        $pings = @(
            Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:travel:v1' -Name ping
            Invoke-McpTool -OrdId 'sap.sandbox:mcpServer:crm:v1' -Name ping
        )
        $rows = Show-At80 $pings | Select-Object -Skip 2
        $rows | Should -HaveCount 2
        $rows[0] | Should -Match '^False\s+sandbox-travel\s+ping\s'
        $rows[1] | Should -Match '^False\s+sandbox-crm\s+ping\s'
    }

    It 'shows the cache entries as a table by fingerprint, never the token' {
        $lines = Show-At80 $views.CacheEntry
        $lines[0] | Should -Match '^Kind\s+Fingerprint\s+'
        $lines.Count | Should -Be (@($views.CacheEntry).Count + 2)
    }

    It 'writes the module''s own types (AgentGateway.*, never an engine type): <View>' -ForEach @(
        @{ View = 'McpTool'; Type = 'AgentGateway.McpTool' }, @{ View = 'McpToolResult'; Type = 'AgentGateway.McpToolResult' },
        @{ View = 'CacheEntry'; Type = 'AgentGateway.AgwTokenCacheEntry' }, @{ View = 'Statistics'; Type = 'AgentGateway.AgwTokenCacheStatistics' },
        @{ View = 'Config'; Type = 'AgentGateway.AgwClientConfig' }, @{ View = 'AccessToken'; Type = 'AgentGateway.AgwAccessToken' }
    ) {
        @($views[$View])[0].PSObject.TypeNames[0] | Should -Be $Type
    }

    It 'prints nested objects as their content in Format-List *: <View>' -ForEach @(
        @{ View = 'McpTool' }, @{ View = 'McpToolResult' }, @{ View = 'Config' }, @{ View = 'CacheEntry' }, @{ View = 'Statistics' }
    ) {
        $text = $views[$View] | Format-List * | Out-String -Width 300
        $text | Should -Not -Match '`\d\[' -Because 'no generic type name (List`1[...])'
        $text | Should -Not -Match '\w+ \{ \w+ = ' -Because 'no record text (Type { Name = ... })'
        $text | Should -Not -Match '(?m):\s+(AgentGateway|System\.Collections)(\.\w+)+\s*$' -Because 'no bare type name for a value'
    }

    It 'shows a tool''s annotations and the config''s dependencies as their content' {
        $annotated = @($tools | Where-Object Annotations)[0]
        $annotated | Should -Not -BeNullOrEmpty -Because 'the sandbox has tools with annotations'
        "$($annotated.Annotations)" | Should -Match '^(Title=.*|\w+Hint=(True|False))(, \w+Hint=(True|False))*$'
        $config = $views.Config
        @($config.Dependencies).Count | Should -BeGreaterThan 0
        "$(@($config.Dependencies)[0])" | Should -Be @($config.Dependencies)[0].OrdId
        ($config | Format-List * | Out-String -Width 300) | Should -Match ('Dependencies\s*: \{' + [regex]::Escape(@($config.Dependencies)[0].OrdId))
    }

    It 'shows <View> as a list' -ForEach @(@{ View = 'Statistics'; First = 'Hits' }, @{ View = 'Config'; First = 'TimeoutSec' }) {
        $lines = Show-At80 $views[$View]
        $lines[0] | Should -Match "^$First\s+: "
    }
}
