# Interop of resources, templates and prompts with the reference "everything" server
# (@modelcontextprotocol/server-everything), reached directly with -Uri and no credentials. Needs node and npm; the
# package is installed once into .tools/npm (git-ignored), as Interop.Tests.ps1 does.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force

    $packageName = '@modelcontextprotocol/server-everything'
    $packageVersion = '2026.8.31'
    $npmPrefix = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path '.tools/npm'
    Install-AgwNpmPackages -Prefix $npmPrefix -Packages "$packageName@$packageVersion"
    $entry = Join-Path $npmPrefix "node_modules/$packageName/dist/index.js"
    $server = Start-AgwNodeMcpServer -Entry $entry -Name "$packageName@$packageVersion"
    $uri = $server.Uri
    $savedCredentials = Clear-AgwTestCredentials -EmptyFolder (Join-Path $TestDrive 'no-bindings')
}

AfterAll {
    Stop-AgwNodeMcpServer $server
    Restore-AgwTestCredentials $savedCredentials
}

Describe 'Resources of the everything server over HTTP' {
    BeforeAll {
        $resources = @(Get-McpResource -Uri $uri -ErrorAction Stop)
    }

    It 'lists its static documents and its two templates' {
        @($resources | Where-Object { -not $_.IsTemplate }).Count | Should -BeGreaterThan 3
        ($resources | Where-Object IsTemplate).ResourceUri | Should -Be @('demo://resource/dynamic/text/{resourceId}', 'demo://resource/dynamic/blob/{resourceId}')
        ($resources | Where-Object IsTemplate)[0].Variables | Should -Be @('resourceId')
    }

    It 'reads a static document as text' {
        $document = $resources | Where-Object ResourceUri -Like '*/architecture.md'
        $content = $document | Read-McpResource -Uri $uri -ErrorAction Stop
        $content.MimeType | Should -Be 'text/markdown'
        $content.Text.Length | Should -BeGreaterThan 10
        $content.IsBlob | Should -BeFalse
    }

    It 'fills the blob template and reads bytes' {
        $content = Read-McpResource -Uri $uri -ResourceUri 'demo://resource/dynamic/blob/{resourceId}' -Arguments @{ resourceId = 7 } -ErrorAction Stop
        $content.IsBlob | Should -BeTrue
        $content.Blob.Length | Should -BeGreaterThan 0
        $content.ResourceUri | Should -Be 'demo://resource/dynamic/blob/7'
    }
}

Describe 'Prompts of the everything server over HTTP' {
    It 'lists its prompts with their arguments' {
        $prompts = @(Get-McpPrompt -Uri $uri -ErrorAction Stop)
        $prompts.Name | Should -Contain 'args-prompt'
        $args = ($prompts | Where-Object Name -EQ 'args-prompt').Arguments
        ($args | Where-Object Name -EQ 'city').Required | Should -BeTrue
    }

    It 'renders a prompt with arguments' {
        $messages = @(Get-McpPromptMessage -Uri $uri -Name args-prompt -Arguments @{ city = 'Lisbon' } -ErrorAction Stop)
        $messages[0].Role | Should -Be 'user'
        $messages.Text -join ' ' | Should -Match 'Lisbon'
    }

    It 'keeps an embedded resource of a rendered prompt' {
        $messages = @(Get-McpPromptMessage -Uri $uri -Name resource-prompt -Arguments @{ resourceType = 'Text'; resourceId = '1' } -ErrorAction Stop)
        $messages.Type | Should -Contain 'resource'
        ($messages | Where-Object Type -EQ 'resource').Content.Uri | Should -Be 'demo://resource/dynamic/text/1'
    }

    It 'refuses a missing required argument before sending' {
        $null = Get-McpPromptMessage -Uri $uri -Name args-prompt -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'PromptArgumentsInvalid,*'
    }
}

Describe 'The everything server over stdio (-Command)' {
    BeforeAll {
        $node = (Get-Command node -CommandType Application | Select-Object -First 1).Source
        $local = @{ Command = $node; ArgumentList = @($entry, 'stdio') }
    }

    AfterAll {
        Stop-McpLocalServer
    }

    It 'lists its tools and calls one' {
        (Get-McpTool @local -ErrorAction Stop).Name | Should -Contain 'echo'
        (Invoke-McpTool @local -Name echo -Arguments @{ message = 'over stdio' } -ErrorAction Stop).Text | Should -Be 'Echo: over stdio'
    }

    It 'lists and reads its resources and renders a prompt' {
        ($resources = @(Get-McpResource @local -ErrorAction Stop)).Count | Should -BeGreaterThan 3
        ($resources | Where-Object ResourceUri -Like '*/architecture.md' | Read-McpResource -ErrorAction Stop).Text.Length | Should -BeGreaterThan 10
        (Get-McpPromptMessage @local -Name args-prompt -Arguments @{ city = 'Porto' } -ErrorAction Stop).Text -join ' ' | Should -Match 'Porto'
    }

    It 'keeps one process for it' {
        $server = Get-McpLocalServer
        @($server).Count | Should -Be 1
        $server.Running | Should -BeTrue
        $server.Starts | Should -Be 1
    }
}
