BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Cmdlets = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name)) \["   # not the generated syntax stub
        ($Help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $entry = $Help.Parameters.Parameter | Where-Object Name -EQ $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter must be in the help"
            ($entry.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter must be described"
        }
    }

    It 'has at least two examples, and every one parses' {
        @($Help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $Help.Examples.Example) {
            $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($example.Code, [ref]$null, [ref]$errors)
            $errors | Should -BeNullOrEmpty -Because "example '$($example.Title.Trim('- '))' must parse"
        }
    }

    It 'names its inputs and outputs' {
        $Help.InputTypes | Should -Not -BeNullOrEmpty
        $Help.ReturnValues | Should -Not -BeNullOrEmpty
    }

    It 'names the module''s own output types, in OUTPUTS and [OutputType], never an engine type' {
        $outputs = @($Help.ReturnValues.ReturnValue.Type.Name | ForEach-Object Trim)
        $outputs | Should -Not -Match '^AgentGateway\.Engine\.'
        foreach ($type in $Command.OutputType | Where-Object { $_.Type -ne [void] }) {
            # Import-McpTool -PassThru writes modules; Test-AgwConnection -Quiet, like Test-Connection -Quiet, a Boolean.
            $type.Name | Should -Match '^(AgentGateway\.(?!Engine\.)|System\.Management\.Automation\.PSModuleInfo$|System\.Boolean$)'
            $outputs | Should -Contain $type.Name -Because "help OUTPUTS must name [OutputType] $($type.Name)"
        }
    }

    It 'shows the default of every parameter that starts with a value, and False for a switch' {
        $instance = [Activator]::CreateInstance($Command.ImplementingType)
        try {
            foreach ($parameter in $Command.Parameters.Values | Where-Object { $_.Name -notin $Common }) {
                $shown = "$(($Help.Parameters.Parameter | Where-Object Name -EQ $parameter.Name).defaultValue)"
                if ($parameter.SwitchParameter) {
                    $shown | Should -Be 'False' -Because "-$($parameter.Name) is a switch"
                    continue
                }
                $value = $Command.ImplementingType.GetProperty($parameter.Name).GetValue($instance)
                $zero = if ($parameter.ParameterType.IsValueType) { [Activator]::CreateInstance($parameter.ParameterType) }
                if ($null -ne $value -and -not $value.Equals($zero)) {
                    $shown | Should -BeLike "$value*" -Because "-$($parameter.Name) starts as $value"
                }
            }
        }
        finally {
            if ($instance -is [IDisposable]) { $instance.Dispose() }
        }
    }
}

Describe 'Parameter defaults in help' {
    It 'shows <Parameter> of <Name> as <Default>' -ForEach @(
        @{ Name = 'Invoke-McpTool'; Parameter = 'ThrottleLimit'; Default = '1' }
        @{ Name = 'Invoke-McpTool'; Parameter = 'TimeoutSec'; Default = 'The TimeoutSec of Set-AgwClientConfig*' }
        @{ Name = 'Get-McpTool'; Parameter = 'TimeoutSec'; Default = 'The TimeoutSec of Set-AgwClientConfig*' }
        @{ Name = 'Set-AgwClientConfig'; Parameter = 'TimeoutSec'; Default = 'Unchanged (60 in a new runspace)' }
        @{ Name = 'Set-AgwClientConfig'; Parameter = 'MaxResponseSizeMB'; Default = 'Unchanged (32 in a new runspace)' }
    ) {
        "$((Get-Help $Name -Parameter $Parameter).defaultValue)" | Should -BeLike $Default
    }
}

Describe 'about_AgentGateway' {
    It 'is there, and has the section <Section>' -ForEach @(
        @{ Section = 'CREDENTIAL SOURCES' }, @{ Section = 'TOKEN CACHING' }, @{ Section = 'WHEN A SERVER SAYS 401' },
        @{ Section = 'CONFIGURATION' }, @{ Section = 'RUNSPACE SCOPE' }, @{ Section = 'TROUBLESHOOTING' }
    ) {
        $text = Get-Help about_AgentGateway | Out-String
        $text | Should -Match "(?m)^\s*$Section\s*$"
    }

    It 'tells how to troubleshoot with -Verbose and Get-AgwTokenCache' {
        $text = Get-Help about_AgentGateway | Out-String
        $troubleshooting = $text.Substring($text.IndexOf('TROUBLESHOOTING'))
        $troubleshooting | Should -Match '-Verbose'
        $troubleshooting | Should -Match 'Get-AgwTokenCache'
    }
}
