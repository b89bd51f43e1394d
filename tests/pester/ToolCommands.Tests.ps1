# Import-McpTool and Export-McpToolModule end to end: tools of the sandbox's shape servers (every inputSchema
# shape the mapping names) become functions whose parameters, help, completion and pipeline binding are
# checked, and whose calls send what Invoke-McpTool sends; an exported module works in a fresh pwsh.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings') -ArgumentList '--shape-servers'
    $shapes = 'sap.sandbox:mcpServer:shapes:v1'
    $twin = 'sap.sandbox:mcpServer:shapes-twin:v1'

    # Removes every module Import-McpTool made in this runspace, so no test depends on another's imports.
    function Remove-AgwToolModules {
        Get-Module | Where-Object { $_.PrivateData -is [hashtable] -and $_.PrivateData.ContainsKey('AgentGatewayToolModule') } | Remove-Module -Force
    }

    # The tool parameters of a command: everything but the common and the functions' own parameters.
    function Get-ToolParameter([string] $Command) {
        $own = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters +
            'UserToken', 'UserTokenProvider', 'TimeoutSec', 'AccessToken', 'ThrottleLimit'
        (Get-Command $Command).Parameters.Values | Where-Object Name -NotIn $own
    }
}

AfterAll {
    Remove-AgwToolModules
    Disconnect-AgwTestSandbox $sb
}

Describe 'Import-McpTool: modules and names' {
    BeforeAll {
        Remove-AgwToolModules
        $warnings = $null
        $modules = @(Import-McpTool -OrdId $shapes, $twin -PassThru -WarningVariable warnings -WarningAction SilentlyContinue)
    }

    AfterAll { Remove-AgwToolModules }

    It 'makes one module per server, named for it, that Get-Module shows' {
        $modules.Name | Should -Be @('sandbox-shapes', 'sandbox-shapes-twin')
        $modules | ForEach-Object { $_ | Should -BeOfType System.Management.Automation.PSModuleInfo }
        (Get-Module sandbox-shapes).ExportedFunctions.Keys | Sort-Object |
            Should -Be @('Get-OrderStatus', 'Get-SandboxShapesDate', 'Invoke-OrderCreateDraft', 'Invoke-SandboxShapesDescribe')
        (Get-Module sandbox-shapes-twin).ExportedFunctions.Keys | Should -Be @('Invoke-SandboxShapesTwinDescribe')
    }

    It 'takes an approved first word as the verb, else Invoke and the whole name (dashes, dots, camelCase)' {
        (Get-Command Get-OrderStatus).Module.Name | Should -Be 'sandbox-shapes'         # get-orderStatus
        (Get-Command Invoke-OrderCreateDraft).Module.Name | Should -Be 'sandbox-shapes' # order.createDraft
    }

    It 'resolves a tool both servers have, and an existing command, with the server-derived prefix and a warning' {
        $text = $warnings -join "`n"
        $text | Should -Match "Tool 'describe' of server 'sandbox-shapes' is Invoke-SandboxShapesDescribe, not Invoke-Describe"
        $text | Should -Match "Tool 'describe' of server 'sandbox-shapes-twin' is Invoke-SandboxShapesTwinDescribe, not Invoke-Describe"
        $text | Should -Match "Tool 'get-date' of server 'sandbox-shapes' is Get-SandboxShapesDate, not Get-Date: Get-Date is an existing command"
        (Get-Command Get-Date).CommandType | Should -Be 'Cmdlet' -Because "PowerShell's own Get-Date is untouched"
        Get-Command Invoke-Describe -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'shows the tool name, server and endpoint on the function' {
        $shown = Get-Command Get-SandboxShapesDate | Format-List | Out-String -Width 500
        $shown | Should -Match 'MCP tool: get-date'
        $shown | Should -Match 'Server: sandbox-shapes'
        $shown | Should -Match ([regex]::Escape("ORD id: $shapes"))
        $shown | Should -Match 'Endpoint: https://127\.0\.0\.1:\d+/v1/mcp/'
        $tool = (Get-Module sandbox-shapes).PrivateData.Tools | Where-Object Command -EQ 'Get-SandboxShapesDate'
        $tool.Tool | Should -Be 'get-date'
        $tool.OrdId | Should -Be $shapes
    }

    It 'puts -Prefix on every noun and replaces the module when importing again' {
        $first = Import-McpTool -OrdId $shapes -Name 'order.*' -Prefix Shp -PassThru
        $first.ExportedFunctions.Keys | Should -Be @('Invoke-ShpOrderCreateDraft')
        Get-Command Get-OrderStatus -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'the new import replaced the module'

        $again = Import-McpTool -OrdId $shapes -Name 'get-orderStatus' -PassThru
        @(Get-Module sandbox-shapes) | Should -HaveCount 1
        $again.ExportedFunctions.Keys | Should -Be @('Get-OrderStatus')
        Get-Command Invoke-ShpOrderCreateDraft -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes tools from the pipeline' {
        $module = Get-McpTool -OrdId $shapes -Name get-orderStatus | Import-McpTool -Prefix Piped -PassThru
        $module.ExportedFunctions.Keys | Should -Be @('Get-PipedOrderStatus')
    }

    It 'lists with the user token when given one' {
        Clear-AgwTokenCache
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $module = Import-McpTool -OrdId $shapes -Name get-orderStatus -UserToken (New-AgwSandboxUserJwt $sb -Subject 'lister') -PassThru
        $module.ExportedFunctions.Keys | Should -Be @('Get-OrderStatus')
        $stats = Get-AgwSandboxStats $sb
        $stats.jwtBearer | Should -Be 1
        $stats.clientCredentials | Should -Be 0
    }

    It 'leaves no function after Remove-Module' {
        Import-McpTool -OrdId $shapes, $twin -WarningAction SilentlyContinue
        Remove-Module sandbox-shapes, sandbox-shapes-twin
        Get-Command -Name Get-OrderStatus, Invoke-OrderCreateDraft, Get-SandboxShapesDate, Invoke-SandboxShapesDescribe, Invoke-SandboxShapesTwinDescribe -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
    }

    It 'refuses to replace a module it did not make' {
        $null = New-Module -Name sandbox-shapes -ScriptBlock { function Get-Nothing { } } | Import-Module -Global -PassThru
        try {
            { Import-McpTool -OrdId $shapes -ErrorAction Stop } | Should -Throw -ErrorId 'ToolModuleNameInUse,AgentGateway.Commands.ImportMcpToolCommand'
        }
        finally { Remove-Module sandbox-shapes }
    }
}

Describe 'Import-McpTool: parameters from the inputSchema' {
    BeforeAll {
        Remove-AgwToolModules
        Import-McpTool -OrdId $shapes -Name order.createDraft
        $parameters = @{}
        Get-ToolParameter Invoke-OrderCreateDraft | ForEach-Object { $parameters[$_.Name] = $_ }
    }

    AfterAll { Remove-AgwToolModules }

    It '-<Name> is [<Type>], Mandatory <Mandatory>, aliases <Aliases>' -ForEach @(
        @{ Name = 'Name'; Type = [string]; Mandatory = $true; Aliases = @() }
        @{ Name = 'Count'; Type = [long]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Ratio'; Type = [double]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Active'; Type = [bool]; Mandatory = $true; Aliases = @() }
        @{ Name = 'DryRun'; Type = [switch]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Priority'; Type = [string]; Mandatory = $false; Aliases = @() }
        @{ Name = 'When'; Type = [datetime]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Tags'; Type = [string[]]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Sizes'; Type = [string[]]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Address'; Type = [hashtable]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Lines'; Type = [hashtable[]]; Mandatory = $false; Aliases = @() }
        @{ Name = 'ToolVerbose'; Type = [string]; Mandatory = $false; Aliases = @() }
        @{ Name = 'FirstName'; Type = [string]; Mandatory = $false; Aliases = @('first-name') }
        @{ Name = 'GeoLat'; Type = [double]; Mandatory = $false; Aliases = @('geo.lat') }
        @{ Name = 'CustomerId'; Type = [string]; Mandatory = $false; Aliases = @('customer_id') }
        @{ Name = 'ToolInput'; Type = [string]; Mandatory = $false; Aliases = @('input') }
        @{ Name = 'ToolTimeoutSec'; Type = [long]; Mandatory = $false; Aliases = @() }
        @{ Name = 'Tool2fa'; Type = [switch]; Mandatory = $false; Aliases = @('2fa') }
    ) {
        $parameter = $parameters[$Name]
        $parameter | Should -Not -BeNullOrEmpty
        $parameter.ParameterType | Should -Be $Type
        $attribute = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.Mandatory | Should -Be $Mandatory
        $attribute.ValueFromPipelineByPropertyName | Should -BeTrue -Because 'every property can come from the pipeline'
        @($parameter.Aliases) | Should -Be $Aliases
    }

    It 'has one parameter per property, none lost' {
        $parameters.PSBase.Count | Should -Be 18
    }

    It 'turns enum into a set of valid values (checked as ValidateSet checks them) and minimum/maximum into ValidateRange' {
        # Not ValidateSet itself: PowerShell completes a ValidateSet's values before any completer, some of them unquoted (#19).
        $values = { param($parameter) $parameter.Attributes | Where-Object { $_.GetType().FullName -eq 'AgentGateway.Infrastructure.ValidateToolValuesAttribute' } }
        (& $values $parameters.Priority).ValidValues | Should -Be @('Low', 'Normal', 'High')
        (& $values $parameters.Sizes).ValidValues | Should -Be @('S', 'M', 'L')
        $parameters.Values.Attributes | Where-Object { $_ -is [ValidateSet] } | Should -BeNullOrEmpty
        { Invoke-OrderCreateDraft -Name x -Active $true -Sizes S, XL -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-OrderCreateDraft'
        Invoke-OrderCreateDraft -Name x -Active $true -Priority high -Sizes s, L -WhatIf
        $range = $parameters.Count.Attributes | Where-Object { $_ -is [ValidateRange] }
        $range.MinRange | Should -Be 1
        $range.MaxRange | Should -Be 100
        { Invoke-OrderCreateDraft -Name x -Active $true -Count 101 -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-OrderCreateDraft'
        { Invoke-OrderCreateDraft -Name x -Active $true -Priority Urgent -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-OrderCreateDraft'
    }

    It 'has -UserToken, -UserTokenProvider, -TimeoutSec, -WhatIf and -Confirm' {
        $command = Get-Command Invoke-OrderCreateDraft
        foreach ($name in 'UserToken', 'UserTokenProvider', 'TimeoutSec', 'WhatIf', 'Confirm') { $command.Parameters.Keys | Should -Contain $name }
        $command.Parameters.UserToken.ParameterType | Should -Be ([securestring])
        $command.Parameters.Keys | Should -Not -Contain 'AccessToken' -Because 'a gateway tool gets the gateway token'
    }

    It 'completes parameter names and enum values' {
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
        Complete 'Invoke-OrderCreateDraft -Pri' | Should -Be @('-Priority')
        Complete 'Invoke-OrderCreateDraft -Tool' | Should -Contain '-ToolVerbose'
        Complete 'Invoke-OrderCreateDraft -Priority ' | Should -Be @('High', 'Low', 'Normal')
        Complete 'Invoke-OrderCreateDraft -Sizes S, ' | Should -Contain 'M'
    }
}

Describe 'Import-McpTool: calls' {
    BeforeAll {
        Remove-AgwToolModules
        Import-McpTool -OrdId $shapes -WarningAction SilentlyContinue
    }

    AfterAll { Remove-AgwToolModules }

    It 'sends exactly the JSON Invoke-McpTool sends' {
        # Hashtables on both sides: a [hashtable] parameter keeps a hashtable's key order, not an ordered dictionary's.
        $address = @{ street = 'Main 1'; city = 'Walldorf' }
        $line = @{ sku = 'A-1'; quantity = 2 }
        $when = [datetime]::new(2026, 6, 1, 12, 0, 0, [DateTimeKind]::Utc)
        $generated = Invoke-OrderCreateDraft -Name 'n1' -Count 3 -Ratio 0.5 -Active $true -DryRun -Priority high -When $when `
            -Tags a, b -Sizes s, M -Address $address -Lines $line -ToolVerbose loud -FirstName Ann -GeoLat 49.3 -CustomerId C-1 `
            -ToolInput in -ToolTimeoutSec 7 -Tool2fa:$false
        $direct = Invoke-McpTool -OrdId $shapes -Name order.createDraft -Arguments ([ordered]@{
                name = 'n1'; count = 3; ratio = 0.5; active = $true; dryRun = $true; priority = 'High'; when = $when
                tags = @('a', 'b'); sizes = @('S', 'M'); address = $address; lines = @($line); Verbose = 'loud'
                'first-name' = 'Ann'; 'geo.lat' = 49.3; customer_id = 'C-1'; input = 'in'; timeoutSec = 7; '2fa' = $false
            })

        $generated | Should -BeOfType AgentGateway.McpToolResult
        $generated.Text | Should -Be $direct.Text
        $received = $generated.StructuredContent.arguments
        $received.priority | Should -Be 'High' -Because "the schema's spelling is sent"
        $received.Verbose | Should -Be 'loud'
        $received.'2fa' | Should -BeFalse
        @($received.PSObject.Properties).Count | Should -Be 18
    }

    It 'takes objects for object parameters, as ConvertFrom-Json makes them' {
        $row = '{"name":"J","active":true,"address":{"street":"S 1","city":"C"},"lines":[{"sku":"A","quantity":1}]}' | ConvertFrom-Json
        $sent = ($row | Invoke-OrderCreateDraft).StructuredContent.arguments
        $sent.address.city | Should -Be 'C'
        $sent.lines[0].sku | Should -Be 'A'
    }

    It 'sends only the arguments given' {
        (Invoke-OrderCreateDraft -Name n -Active $false).Text | Should -Be '{"name":"n","active":false}'
    }

    It 'binds Import-Csv rows by column name, one call per row, nothing carried over from the row before' {
        $csv = Join-Path $TestDrive 'orders.csv'
        Set-Content $csv -Value @('name,active,count,first-name,dryRun', 'A,true,2,Ann,false', 'B,false,3,,true')
        $results = @(Import-Csv $csv | Invoke-OrderCreateDraft)
        $results | Should -HaveCount 2
        $results[0].Text | Should -Be '{"name":"A","count":2,"active":true,"dryRun":false,"first-name":"Ann"}'
        $results[1].Text | Should -Be '{"name":"B","count":3,"active":false,"dryRun":true,"first-name":""}'

        $objects = @([pscustomobject]@{ name = 'C'; active = $true; count = 4 }, [pscustomobject]@{ Name = 'D'; Active = $false })
        $results = @($objects | Invoke-OrderCreateDraft)
        $results[1].Text | Should -Be '{"name":"D","active":false}' -Because "the first object's count belongs to that call only"
    }

    It 'sends nothing with -WhatIf' {
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        Invoke-OrderCreateDraft -Name n -Active $true -WhatIf
        Get-OrderStatus -OrderId 7 -WhatIf
        (Get-AgwSandboxStats $sb).toolsCall | Should -Be 0
    }

    It 'calls with the user token and writes Invoke-McpTool''s errors' {
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $jwt = New-AgwSandboxUserJwt $sb -Subject 'import-user'
        (Get-OrderStatus -OrderId 7 -UserToken $jwt).Text | Should -Be '{"orderId":"7"}'
        (Get-AgwSandboxStats $sb).jwtBearer | Should -Be 1

        $err = $null
        Invoke-OrderCreateDraft -Name n -Active $true -Lines @{ quantity = 1 } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
        { Invoke-OrderCreateDraft -Name n -Active $true -Lines @{ quantity = 1 } -ErrorAction Stop } | Should -Throw -ErrorId 'ToolArgumentsInvalid,*'
    }

    It 'calls a tool imported by -Uri at its URL' {
        $url = (Get-McpTool -OrdId $shapes -Name get-orderStatus).Url
        $module = Import-McpTool -Uri $url -Name get-orderStatus -Prefix ByUrl -PassThru
        (Get-Command Get-ByUrlOrderStatus).Parameters.Keys | Should -Contain 'AccessToken'
        (Get-Command Get-ByUrlOrderStatus).Definition | Should -Match ([regex]::Escape("'Uri' '$url'"))
        (Get-ByUrlOrderStatus -OrderId 9).Text | Should -Be '{"orderId":"9"}'
        Remove-Module $module
    }
}

Describe 'Import-McpTool: help' {
    BeforeAll {
        Remove-AgwToolModules
        Import-McpTool -OrdId $shapes -Name order.createDraft, get-orderStatus
        $help = Get-Help Invoke-OrderCreateDraft -Full
    }

    AfterAll { Remove-AgwToolModules }

    It "has the tool's title as synopsis and its description" {
        $help.Synopsis | Should -Be 'Create draft order'
        ($help.Description.Text -join "`n") | Should -Match 'Creates a draft order \(echoes every argument\)'
        (Get-Help Get-OrderStatus).Synopsis | Should -Be 'Gets the status of an order.'
    }

    It "describes each parameter with its type and whether it is required" {
        $count = $help.Parameters.Parameter | Where-Object Name -EQ 'Count'
        ($count.Description.Text -join ' ') | Should -Match 'How many\. Optional; JSON type integer\. Default \(the server''s\): 10\.'
        $count.Type.Name | Should -Be 'Int64'
        $count.Required | Should -Be 'false'
        $name = $help.Parameters.Parameter | Where-Object Name -EQ 'Name'
        $name.Required | Should -Be 'true'
        ($help.Parameters.Parameter | Where-Object Name -EQ 'ToolVerbose').Description.Text | Should -Match "Sent as 'Verbose'"
    }

    It 'has an example built from the schema that parses and runs' {
        $code = $help.Examples.Example[0].Code
        $code | Should -Be 'Invoke-OrderCreateDraft -Name ''text'' -Active $true'
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref] $null, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        (& ([scriptblock]::Create($code))).Text | Should -Be '{"name":"text","active":true}'
    }
}

Describe 'Export-McpToolModule' {
    BeforeAll {
        Remove-AgwToolModules
        $folder = Join-Path $TestDrive 'ShapeTools'
        $files = @(Export-McpToolModule -OrdId $shapes -Path $folder -WarningAction SilentlyContinue)
        $psd1 = Join-Path $folder 'ShapeTools.psd1'
        $psm1 = Join-Path $folder 'ShapeTools.psm1'
    }

    It 'writes a .psd1 and a .psm1 that require AgentGateway and export the functions' {
        $files.Name | Should -Be @('ShapeTools.psd1', 'ShapeTools.psm1')
        $manifest = Import-PowerShellDataFile $psd1
        $manifest.RequiredModules[0].ModuleName | Should -Be 'AgentGateway'
        $manifest.FunctionsToExport | Sort-Object | Should -Be @('Get-OrderStatus', 'Get-SandboxShapesDate', 'Invoke-Describe', 'Invoke-OrderCreateDraft')
        ($manifest.PrivateData.AgentGateway.Tools | Where-Object Tool -EQ 'get-orderStatus').OrdId | Should -Be $shapes
    }

    It 'holds no token, no credential and no URL for a gateway tool' {
        $text = (Get-Content -Raw $psd1) + (Get-Content -Raw $psm1)
        $token = ConvertFrom-AgwTestSecureString (Get-AgwAccessToken).Token
        $text.Contains($token) | Should -BeFalse
        $text | Should -Not -Match 'PRIVATE KEY|BEGIN CERTIFICATE|eyJ'
        $text | Should -Not -Match '127\.0\.0\.1' -Because 'gateway tools are named by ORD id'
        $text | Should -Match ([regex]::Escape("OrdId = '$shapes'"))
    }

    It 'returns AgentGateway.McpToolModuleFile objects, shown as a table without blank cells' {
        $files | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'AgentGateway.McpToolModuleFile' }
        $files.Kind | Should -Be @('Manifest', 'Script')
        $files.Path | Should -Be @($psd1, $psm1)
        $files.ModuleName | Should -Be @('ShapeTools', 'ShapeTools')
        $files.CommandCount | Should -Be @(4, 4)
        $files[1].Length | Should -Be (Get-Item $psm1).Length
        "$($files[0])" | Should -Be $psd1 -Because 'its string form is its path, for commands that take one'
        $lines = ($files | Out-String -Width 200) -split '\r?\n' | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Kind\s+Commands\s+Length\s+Path\s*$'
        $lines | Select-Object -Skip 2 | ForEach-Object { $_ | Should -Match '^(Manifest|Script)\s+4\s+\d+\s+\S+ShapeTools\.ps[dm]1$' }
    }

    It 'refuses to overwrite without -Force, and writes nothing with -WhatIf' {
        { Export-McpToolModule -OrdId $shapes -Path $folder -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Throw -ErrorId 'ToolModuleExists,*'
        Export-McpToolModule -OrdId $shapes -Path (Join-Path $TestDrive 'NotWritten') -WhatIf -WarningAction SilentlyContinue
        Join-Path $TestDrive 'NotWritten' | Should -Not -Exist
    }

    It 'writes an endpoint outside the gateway by its URL' {
        $url = (Get-McpTool -OrdId $shapes -Name get-orderStatus).Url
        Export-McpToolModule -Uri $url -Name get-orderStatus -Path (Join-Path $TestDrive 'ByUrl') | Out-Null
        Get-Content -Raw (Join-Path $TestDrive 'ByUrl/ByUrl.psm1') | Should -Match ([regex]::Escape("'Uri' '$url'"))
    }

    It 'works in a fresh pwsh: importing lists nothing, a call is checked against the live listing' {
        $child = Join-Path $TestDrive 'exported-child.ps1'
        Set-Content -Path $child -Value @'
param($ModuleRoot, $ToolFolder, $BindingRoot, $CaPath, $AdminUrl)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$env:SERVICE_BINDING_ROOT = $BindingRoot
$stats = { Invoke-RestMethod -Method Get -Uri "$AdminUrl/admin/stats" }
$report = [ordered]@{}
Import-Module (Join-Path $ToolFolder 'ShapeTools.psd1')
$report.AgentGatewayLoaded = [bool](Get-Module AgentGateway)
Set-AgwClientConfig -TrustedCaPath $CaPath
$report.ListsAtImport = (& $stats).toolsList
$report.Text = (Get-OrderStatus -OrderId 42).Text
$report.ListsAfterCall = (& $stats).toolsList
try { Invoke-OrderCreateDraft -Name n -Active $true -Lines @{ quantity = 1 } -ErrorAction Stop } catch { $report.InvalidErrorId = $_.FullyQualifiedErrorId }
$report | ConvertTo-Json -Compress
'@
        Invoke-AgwSandboxAdmin $sb reset-stats | Out-Null
        $process = [Environment]::ProcessPath
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, (Join-Path $PSHOME 'pwsh.dll')) } else { @($process) }
        $moduleRoot = Split-Path (Resolve-Path $ModulePath).Path -Parent
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $child `
            -ModuleRoot $moduleRoot -ToolFolder $folder -BindingRoot $sb.BindingRoot -CaPath $sb.caCertificatePath -AdminUrl $sb.adminUrl 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "the child said:`n$($output -join "`n")"
        $report = $output | Select-Object -Last 1 | ConvertFrom-Json
        $report.AgentGatewayLoaded | Should -BeTrue -Because 'the manifest requires AgentGateway'
        $report.ListsAtImport | Should -Be 0
        $report.Text | Should -Be '{"orderId":"42"}'
        $report.ListsAfterCall | Should -Be 1 -Because 'the first call checks its arguments against the live listing'
        $report.InvalidErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
    }
}
