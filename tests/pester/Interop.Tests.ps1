# Interop: the module against an MCP server no one here wrote, the reference "everything" server
# (@modelcontextprotocol/server-everything, Streamable HTTP), reached directly with -Uri and no
# credentials. Needs node and npm; the package is installed once into .tools/npm (git-ignored).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force

    $packageName = '@modelcontextprotocol/server-everything'
    $packageVersion = '2026.8.31'
    $npmPrefix = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path '.tools/npm'
    Install-AgwNpmPackages -Prefix $npmPrefix -Packages "$packageName@$packageVersion"
    $server = Start-AgwNodeMcpServer -Entry (Join-Path $npmPrefix "node_modules/$packageName/dist/index.js") -Name "$packageName@$packageVersion"
    $uri = $server.Uri
    $savedCredentials = Clear-AgwTestCredentials -EmptyFolder (Join-Path $TestDrive 'no-bindings')

    # The server's own tool list, read without the module: a bare JSON-RPC exchange over HTTP.
    function Invoke-RawMcp {
        param([string] $SessionId, [hashtable] $Message)
        $headers = @{ Accept = 'application/json, text/event-stream'; 'MCP-Protocol-Version' = '2025-06-18' }
        if ($SessionId) { $headers['Mcp-Session-Id'] = $SessionId }
        $response = Invoke-WebRequest -Method Post -Uri $uri -Headers $headers -ContentType 'application/json' -Body ($Message | ConvertTo-Json -Depth 10 -Compress)
        $content = if ($response.Content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($response.Content) } else { $response.Content }
        $json = if ($response.Headers['Content-Type'] -match 'event-stream') {
            ($content -split "`n" | Where-Object { $_ -like 'data:*' } | ForEach-Object { $_.Substring(5).Trim() } | Select-Object -Last 1)
        }
        else { $content }
        [pscustomobject]@{
            SessionId = @($response.Headers['Mcp-Session-Id'])[0]
            Body      = if ($json) { $json | ConvertFrom-Json } else { $null }
        }
    }
    $init = Invoke-RawMcp -Message @{ jsonrpc = '2.0'; id = 1; method = 'initialize'; params = @{ protocolVersion = '2025-06-18'; capabilities = @{}; clientInfo = @{ name = 'agw-pester-raw'; version = '1.0.0' } } }
    $rawSession = $init.SessionId
    $rawServerName = $init.Body.result.serverInfo.name
    $null = Invoke-RawMcp -SessionId $rawSession -Message @{ jsonrpc = '2.0'; method = 'notifications/initialized' }
    $rawTools = [System.Collections.Generic.List[object]]::new()
    $cursor = $null
    $page = 0
    do {
        $params = if ($cursor) { @{ cursor = $cursor } } else { @{} }
        $listed = Invoke-RawMcp -SessionId $rawSession -Message @{ jsonrpc = '2.0'; id = 2 + $page; method = 'tools/list'; params = $params }
        $listed.Body.result.tools | ForEach-Object { $rawTools.Add($_) }
        $cursor = $listed.Body.result.nextCursor
        $page++
    } while ($cursor -and $page -lt 20)
}

AfterAll {
    Stop-AgwNodeMcpServer $server
    Restore-AgwTestCredentials $savedCredentials
}

Describe 'The reference everything server (-Uri, no credentials)' {
    It 'runs without gateway credentials' {
        (Get-AgwClientConfig).CredentialSource | Should -Be 'None'
        $rawTools.Count | Should -BeGreaterThan 5 -Because 'the server lists its tools to a bare client'
    }

    Context 'Get-McpTool' {
        BeforeAll {
            $tools = @(Get-McpTool -Uri $uri -ErrorAction Stop)
        }

        It 'lists every tool the server lists' {
            foreach ($name in $rawTools.name) {
                $tools.Name | Should -Contain $name
            }
        }

        It 'names the server and the endpoint on each tool' {
            foreach ($tool in $tools) {
                $tool.ServerName | Should -Be $rawServerName
                $tool.Url | Should -Be ([uri]$uri)
                $tool.OrdId | Should -BeNullOrEmpty
            }
        }

        It 'keeps the input schema (get-sum: two numbers)' {
            $sum = $tools | Where-Object Name -EQ 'get-sum'
            $sum.InputSchema.properties.a.type | Should -Be 'number'
            $sum.InputSchema.properties.b.type | Should -Be 'number'
            $sum.InputSchema.required | Should -Be @('a', 'b')
            ($sum.InputSchemaJson | ConvertFrom-Json).properties.a.description | Should -Be 'First number'
            $sum.Title | Should -Be 'Get Sum Tool'
            $sum.Annotations.ReadOnlyHint | Should -BeTrue
        }

        It 'keeps the output schema (get-structured-content)' {
            $structured = $tools | Where-Object Name -EQ 'get-structured-content'
            $structured.OutputSchema.properties.temperature.type | Should -Be 'number'
        }

        It 'filters by -Name with wildcards' {
            @(Get-McpTool -Uri $uri -Name 'get-s*').Name | Sort-Object | Should -Be @('get-structured-content', 'get-sum')
        }
    }

    Context 'Invoke-McpTool' {
        It 'echo: the text comes back' {
            $result = Invoke-McpTool -Name echo -Uri $uri -Arguments @{ message = 'hello from PowerShell' }
            $result.Text | Should -Be 'Echo: hello from PowerShell'
            $result.Server | Should -Be $rawServerName
            $result.IsError | Should -BeFalse
        }

        It 'echo: piped from Get-McpTool' {
            (Get-McpTool -Uri $uri -Name echo | Invoke-McpTool -Arguments ([pscustomobject]@{ message = 'piped' })).Text | Should -Be 'Echo: piped'
        }

        It 'get-sum: the sum is right' {
            (Invoke-McpTool -Name get-sum -Uri $uri -Arguments @{ a = 2; b = 3.5 }).Text | Should -Be 'The sum of 2 and 3.5 is 5.5.'
            (Invoke-McpTool -Name get-sum -Uri $uri -Arguments ([ordered]@{ a = -40; b = 42 })).Text | Should -Be 'The sum of -40 and 42 is 2.'
        }

        It 'get-structured-content: structured content as an object' {
            $result = Invoke-McpTool -Name get-structured-content -Uri $uri -Arguments @{ location = 'Chicago' }
            $result.StructuredContent | Should -BeOfType [pscustomobject]
            $result.StructuredContent.temperature | Should -Be 36
            $result.StructuredContent.conditions | Should -Be 'Light rain / drizzle'
            $result.StructuredContent.humidity | Should -Be 82
            ($result.Text | ConvertFrom-Json).conditions | Should -Be 'Light rain / drizzle'
        }

        It 'get-tiny-image: an image block with its MIME type between two text blocks' {
            $result = Invoke-McpTool -Name get-tiny-image -Uri $uri
            $result.Content.Type | Should -Be @('text', 'image', 'text')
            $image = $result.Content[1]
            $image.MimeType | Should -Be 'image/png'
            $image.Data | Should -Not -BeNullOrEmpty
            $image.GetBytes()[0..3] | Should -Be @(0x89, 0x50, 0x4E, 0x47)
            $result.Text | Should -Match 'MCP logo'
        }

        It 'get-annotated-message: the annotations of each block are kept' {
            $result = Invoke-McpTool -Name get-annotated-message -Uri $uri -Arguments @{ messageType = 'error'; includeImage = $true }
            $result.Content.Type | Should -Be @('text', 'image')
            $result.Content[0].Text | Should -Be 'Error: Operation failed'
            $text = $result.Content[0].Raw.GetProperty('annotations')
            $text.GetProperty('priority').GetDouble() | Should -Be 1
            @($text.GetProperty('audience').EnumerateArray() | ForEach-Object GetString) | Should -Be @('user', 'assistant')
            $result.Content[1].Raw.GetProperty('annotations').GetProperty('priority').GetDouble() | Should -Be 0.5
            $raw = $result.Raw | ConvertFrom-Json
            $raw.content[1].annotations.audience | Should -Be @('user')
        }

        It 'reports a call the server rejects as an error, not as output' {
            $errs = $null
            Invoke-McpTool -Name get-sum -Uri $uri -Arguments @{ a = 'not a number'; b = 1 } -SkipSchemaValidation -ErrorVariable errs -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            @($errs) | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Match '^(McpToolError|McpProtocolError),'
        }

        It 'checks the arguments against the schema the server published, and sends nothing when they break it' {
            Get-McpTool -Uri $uri | Out-Null
            { Invoke-McpTool -Name get-sum -Uri $uri -Arguments @{ a = 'not a number'; b = 1 } -ErrorAction Stop } |
                Should -Throw -ErrorId 'ToolArgumentsInvalid*'
        }

        It 'trigger-elicitation-request: the form is answered by -ElicitationHandler' {
            $seen = $null
            $result = Invoke-McpTool -Name trigger-elicitation-request -Uri $uri -ErrorAction Stop -ElicitationHandler {
                param($r)
                $script:seen = $r
                @{ name = 'Ada Lovelace'; check = $true; integer = 7; untitledMultipleSelectEnum = @('Piano', 'Bass') }
            }
            $result.Text | Should -Match 'User provided the requested information'
            $result.Text | Should -Match 'Name: Ada Lovelace'
            $result.Text | Should -Match 'Favorite Integer: 7'
            $script:seen.Mode | Should -Be 'form'
            ($script:seen.Fields | Where-Object Name -EQ 'name').Required | Should -BeTrue
            ($script:seen.Fields | Where-Object Name -EQ 'legacyTitledEnum').Choices | Should -Contain 'pet-3'
        }

        It 'trigger-elicitation-request: declined when the handler returns $null' {
            (Invoke-McpTool -Name trigger-elicitation-request -Uri $uri -ElicitationHandler { param($r) $null } -ErrorAction Stop).Text |
                Should -Match 'User declined'
        }

        It 'trigger-url-elicitation: the handler is shown the URL and accepts' {
            $seenUrl = $null
            $result = Invoke-McpTool -Name trigger-url-elicitation -Uri $uri -Arguments @{ url = 'https://example.com/consent' } -ErrorAction Stop -ElicitationHandler {
                param($r)
                $script:seenUrl = $r.Url
                'accept'
            }
            $result.Text | Should -Match 'User completed the URL elicitation flow'
            $script:seenUrl | Should -Be 'https://example.com/consent'
        }

        It 'reports an unknown tool as an error' {
            $errs = $null
            Invoke-McpTool -Name no-such-tool -Uri $uri -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @($errs) | Should -HaveCount 1
        }
    }
}
