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

    It 'shows <View> as a list' -ForEach @(@{ View = 'Statistics'; First = 'Hits' }, @{ View = 'Config'; First = 'TimeoutSec' }) {
        $lines = Show-At80 $views[$View]
        $lines[0] | Should -Match "^$First\s+: "
    }
}
