BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'SandboxProcess.ps1')
    $script:Bindings = Join-Path $TestDrive 'bindings'
    $script:Sandbox = Start-AgwSandbox -BindingRoot $Bindings
    $script:SavedRoot = $env:SERVICE_BINDING_ROOT
    $env:SERVICE_BINDING_ROOT = $Bindings
    Import-Module $ModuleManifest -Force
    Set-AgwClientConfig -Reset -TrustedCaPath $Sandbox.caCertificatePath
    $script:Add = Get-McpTool -OrdId '*travel*' -Name add
}

AfterAll {
    $Sandbox | Stop-AgwSandbox
    $env:SERVICE_BINDING_ROOT = $SavedRoot
    Set-AgwClientConfig -Reset
}

Describe 'Invoke-McpTool checks -Arguments against the inputSchema' {
    BeforeEach {
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
    }

    It 'refuses <Case> naming the property, and sends nothing' -ForEach @(
        @{ Case = 'a missing required property'; Arguments = @{ a = 1 }; Expected = "*'b'*missing*" }
        @{ Case = 'a wrong type'; Arguments = @{ a = 1; b = 'two' }; Expected = "*'b'*number*string*" }
    ) {
        $err = { $Add | Invoke-McpTool -Arguments $Arguments -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.ToString() | Should -BeLike $Expected
        (Invoke-AgwSandboxAdmin $Sandbox stats -Method Get).toolsCall | Should -Be 0
    }

    It 'never shows the value of an argument in the message' {
        $err = { $Add | Invoke-McpTool -Arguments @{ a = 1; b = 'secret-value-123' } -ErrorAction Stop } | Should -Throw -PassThru
        $err.ToString() | Should -Not -Match 'secret-value-123'
    }

    It 'sends valid arguments' {
        ($Add | Invoke-McpTool -Arguments @{ a = 2; b = 3 }).Text | Should -Match '5'
    }

    It 'checks a call by -Name/-OrdId against the last listing too' {
        { Invoke-McpTool -Name add -OrdId 'sap.sandbox:mcpServer:travel:v1' -Arguments @{ a = 1 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'ToolArgumentsInvalid*'
    }

    It '-SkipSchemaValidation lets the server decide' {
        $result = $Add | Invoke-McpTool -Arguments @{ a = 1 } -SkipSchemaValidation -ErrorAction SilentlyContinue -ErrorVariable problems
        (Invoke-AgwSandboxAdmin $Sandbox stats -Method Get).toolsCall | Should -Be 1
        @($result) + @($problems) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Invoke-McpTool by name in a runspace that has listed nothing' {
    BeforeAll {
        $runspace = New-AgwTestRunspace
        Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($Sandbox.caCertificatePath)'"
        Invoke-AgwSandboxAdmin $Sandbox reset-stats | Out-Null
        $call = "Invoke-McpTool -Name find-customer -OrdId 'sap.sandbox:mcpServer:crm:v1' -Arguments @{ name = 'ACME' }"
        $first = { Invoke-InRunspace $runspace $call } | Should -Throw -PassThru
        $second = { Invoke-InRunspace $runspace $call } | Should -Throw -PassThru
        $stats = Invoke-AgwSandboxAdmin $Sandbox stats -Method Get
        $valid = Invoke-InRunspace $runspace "Invoke-McpTool -Name find-customer -OrdId 'sap.sandbox:mcpServer:crm:v1' -Arguments @{ query = 'acme' }"
    }

    AfterAll {
        $runspace.Dispose()
    }

    It 'lists the server once to learn the schema, and refuses arguments that break it' {
        foreach ($err in $first, $second) {
            $err.FullyQualifiedErrorId | Should -BeLike 'ToolArgumentsInvalid,*'
            $err.ToString() | Should -BeLike "*'query'*"
        }
        $stats.toolsList | Should -Be 1
        $stats.toolsCall | Should -Be 0
    }

    It 'sends arguments that keep it' {
        $valid.StructuredContent | Should -Not -BeNullOrEmpty
    }
}
