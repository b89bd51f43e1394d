# build.ps1 -Task Sandbox prints lines to paste into a pwsh (build/Start-Sandbox.ps1); pasted into a
# fresh runspace that has not imported the module, they work: the module loads and a tool answers.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sandbox = Start-AgwSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $lines = @(Get-AgwSandboxSetupLine -Sandbox $sandbox -ModulePath $ModulePath)
}

AfterAll {
    if ($sandbox) { Stop-AgwSandbox $sandbox }
}

Describe 'The lines build.ps1 -Task Sandbox prints' {
    It 'name the binding folder, the module and the sandbox CA' {
        $lines[0] | Should -Be "`$env:SERVICE_BINDING_ROOT = '$(Split-Path $sandbox.bindingPath -Parent)'"
        $lines | Should -Contain "Set-AgwClientConfig -TrustedCaPath '$($sandbox.caCertificatePath)'"
        $lines | Where-Object { $_ -like 'Import-Module *' } | Should -HaveCount 1
    }

    It 'work when pasted into a fresh runspace' {
        $saved = $env:SERVICE_BINDING_ROOT
        $runspace = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
        $runspace.Open()
        try {
            $output = Invoke-InRunspace $runspace ($lines -join "`n")
            $text = $output | Out-String
            $text | Should -Match 'echo'                     # Get-McpTool listed the travel tools
            ($output | Where-Object { $_.PSObject.Properties['Text'] } | Select-Object -Last 1).Text | Should -Be 'hi'
        }
        finally {
            $runspace.Dispose()
            $env:SERVICE_BINDING_ROOT = $saved
        }
    }
}
