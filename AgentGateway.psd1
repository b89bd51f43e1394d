@{
    RootModule           = 'AgentGateway.dll'
    # build.ps1 writes the version of Directory.Build.props here in the built module (and Prerelease
    # below when it has a VersionSuffix).
    ModuleVersion        = '0.2.0'
    GUID                 = '6b7f0a52-3c1e-4d8a-9f0b-2a6e5c4d7e19'
    Author               = 'AgentGateway contributors'
    CompanyName          = 'AgentGateway'
    Copyright            = '(c) 2026 AgentGateway contributors. Licensed under the Apache License, Version 2.0.'
    Description          = 'Discover and invoke MCP tools behind an Agent Gateway, with cached system and user tokens (mTLS client credentials, jwt-bearer exchange) shared per runspace.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('AgentGateway.Format.ps1xml')
    CmdletsToExport      = @(
        'Clear-AgwTokenCache'
        'Export-McpToolModule'
        'Get-AgwAccessToken'
        'Get-AgwClientCertificate'
        'Get-AgwClientConfig'
        'Get-AgwOAuthClient'
        'Get-AgwTokenCache'
        'Get-McpLocalServer'
        'Get-McpPrompt'
        'Get-McpPromptMessage'
        'Get-McpResource'
        'Get-McpTool'
        'Import-McpTool'
        'Invoke-McpTool'
        'Read-McpResource'
        'Remove-AgwClientCertificate'
        'Remove-AgwOAuthClient'
        'Set-AgwClientCertificate'
        'Set-AgwClientConfig'
        'Set-AgwOAuthClient'
        'Stop-McpLocalServer'
        'Test-AgwConnection'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('MCP', 'ModelContextProtocol', 'AgentGateway', 'OAuth', 'mTLS', 'AI', 'Agents', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            # build.ps1 writes the section of CHANGELOG.md for this version here in the built module.
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
