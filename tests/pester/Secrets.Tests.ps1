# No secret in any stream: a whole session (listing with a failing server, system and user calls, a
# revocation, a refused token request, the token and config cmdlets) runs with verbose and debug output
# on; every stream it writes is searched for the tokens issued, the user JWT and the credential PEMs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $travel = 'sap.sandbox:mcpServer:travel:v1'
    $crm = 'sap.sandbox:mcpServer:crm:v1'

    # Everything a [powershell] instance wrote, as text: output (formatted), errors (with their
    # exceptions, inner exceptions, targets and details), warnings, verbose, debug, information, progress.
    function Get-AgwStreamText {
        param([Parameter(Mandatory)] [powershell] $PowerShell, [object[]] $Output)
        $text = [System.Text.StringBuilder]::new()
        $null = $text.AppendLine('### output').AppendLine(($Output | Out-String -Width 400))
        $null = $text.AppendLine(($Output | Format-List * -Force | Out-String -Width 400))
        $null = $text.AppendLine('### error')
        foreach ($record in $PowerShell.Streams.Error) {
            $null = $text.AppendLine(($record | Format-List * -Force | Out-String -Width 400))
            $null = $text.AppendLine("$($record.ErrorDetails.Message) $($record.ErrorDetails.RecommendedAction)")
            $null = $text.AppendLine(($record.TargetObject | Format-List * -Force | Out-String -Width 400))
            for ($e = $record.Exception; $e; $e = $e.InnerException) {
                $null = $text.AppendLine($e.ToString())
                $null = $text.AppendLine(($e | Format-List * -Force | Out-String -Width 400))
            }
        }
        $null = $text.AppendLine('### warning').AppendLine(($PowerShell.Streams.Warning.Message -join "`n"))
        $null = $text.AppendLine('### verbose').AppendLine(($PowerShell.Streams.Verbose.Message -join "`n"))
        $null = $text.AppendLine('### debug').AppendLine(($PowerShell.Streams.Debug.Message -join "`n"))
        $null = $text.AppendLine('### information').AppendLine(($PowerShell.Streams.Information.MessageData -join "`n"))
        $null = $text.AppendLine('### progress')
        foreach ($record in $PowerShell.Streams.Progress) {
            $null = $text.AppendLine("$($record.Activity) | $($record.StatusDescription) | $($record.CurrentOperation)")
        }
        $text.ToString()
    }

    # Runs a script in the runspace with every preference at Continue; returns the stream text.
    function Invoke-AgwObservedScript {
        param([Parameter(Mandatory)] $Runspace, [Parameter(Mandatory)] [string] $Script)
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $Runspace
            $prologue = "`$VerbosePreference = 'Continue'; `$DebugPreference = 'Continue'; `$InformationPreference = 'Continue'; " +
            "`$WarningPreference = 'Continue'; `$ProgressPreference = 'Continue'; `$ErrorActionPreference = 'Continue'`n"
            $output = $ps.AddScript($prologue + $Script).Invoke()
            [pscustomobject]@{
                Text    = Get-AgwStreamText -PowerShell $ps -Output $output
                Errors  = @($ps.Streams.Error)
                Verbose = @($ps.Streams.Verbose.Message)
                Debug   = @($ps.Streams.Debug.Message)
            }
        }
        finally {
            $ps.Dispose()
        }
    }

    # The plain tokens the runspace's session holds now (read outside the observed streams).
    function Get-AgwHeldToken {
        param([Parameter(Mandatory)] $Runspace, [string] $UserJwt)
        $script = if ($UserJwt) { "Get-AgwAccessToken -AsPlainText -UserToken '$UserJwt'" } else { 'Get-AgwAccessToken -AsPlainText' }
        (Invoke-InRunspace $Runspace $script).Token
    }

    $jwt = New-AgwSandboxUserJwt $sb -Subject 'secret-keeper'
    $runspace = New-AgwTestRunspace
    $issued = [System.Collections.Generic.List[string]]::new()
    $observed = [System.Collections.Generic.List[object]]::new()

    # 1. List (one server fails), call as the system and as the user, show the token and the cache.
    $observed.Add((Invoke-AgwObservedScript $runspace @"
Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)' -Verbose
Get-AgwClientConfig
Get-McpTool
Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'system call' }
Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'user call' } -UserToken '$jwt'
Get-McpTool -OrdId '$crm' -UserToken '$jwt'
Invoke-McpTool -Name report-error -OrdId '$crm'
Invoke-McpTool -Name throw-error -OrdId '$crm' -UserToken '$jwt'
Get-AgwAccessToken
Get-AgwAccessToken -UserToken '$jwt'
Get-AgwAccessToken -UserToken '$jwt' | Format-List * -Force | Out-String -Width 400
Get-AgwTokenCache
Get-AgwTokenCache -Statistics
"@))
    $issued.Add((Get-AgwHeldToken $runspace))
    $issued.Add((Get-AgwHeldToken $runspace -UserJwt $jwt))

    # 2. Every token is revoked: the next calls meet a 401 and renew.
    Invoke-AgwSandboxAdmin $sb revoke
    $observed.Add((Invoke-AgwObservedScript $runspace @"
Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'after revocation' }
Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'user after revocation' } -UserToken '$jwt'
Get-McpTool -OrdId '$crm'
"@))
    $issued.Add((Get-AgwHeldToken $runspace))
    $issued.Add((Get-AgwHeldToken $runspace -UserJwt $jwt))

    # 3. The user tokens are cleared; a new one is fetched, cleared again, and then the token service
    # refuses the user exchange once; then everything is shown again.
    $observed.Add((Invoke-AgwObservedScript $runspace 'Clear-AgwTokenCache -User -Verbose'))
    $issued.Add((Get-AgwHeldToken $runspace -UserJwt $jwt))
    Invoke-AgwObservedScript $runspace 'Clear-AgwTokenCache -User' | Out-Null
    Invoke-AgwSandboxAdmin $sb fail-next -Query @{ count = 1; status = 400; error = 'invalid_grant' }
    $observed.Add((Invoke-AgwObservedScript $runspace @"
Invoke-McpTool -Name echo -OrdId '$travel' -Arguments @{ message = 'refused' } -UserToken '$jwt'
Get-AgwAccessToken -UserToken '$jwt'
Get-AgwClientConfig | Format-List * -Force | Out-String -Width 400
(Get-AgwClientConfig).Credentials | Format-List * -Force | Out-String -Width 400
Get-AgwTokenCache | Format-List * -Force | Out-String -Width 400
"@))
    $issued.Add((Get-AgwHeldToken $runspace))
    $issued.Add((Get-AgwHeldToken $runspace -UserJwt $jwt))

    $allText = ($observed.Text -join "`n")
    $credentials = Get-Content -Raw (Join-Path $sb.bindingPath 'credentials') | ConvertFrom-Json
}

AfterAll {
    if ($runspace) { $runspace.Dispose() }
    Disconnect-AgwTestSandbox $sb
}

Describe 'No secret in any stream of a verbose session' {
    It 'exercised what it means to (several tokens, errors, verbose and debug lines)' {
        @($issued | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 5 -Because 'system and user tokens before and after the revocation, and user tokens after the clear and the refused exchange'
        $errors = @($observed.Errors)
        $errors.FullyQualifiedErrorId | Should -Contain 'McpServerError,AgentGateway.Commands.GetMcpToolCommand'
        $errors.FullyQualifiedErrorId | Should -Contain 'McpToolError,AgentGateway.Commands.InvokeMcpToolCommand'
        $errors.FullyQualifiedErrorId | Should -Contain 'McpProtocolError,AgentGateway.Commands.InvokeMcpToolCommand'
        @($errors | Where-Object { "$_" -match 'token service refused' }) | Should -Not -BeNullOrEmpty -Because "the refused exchange is reported (errors: $($errors.FullyQualifiedErrorId -join ', '))"
        @($observed.Verbose) | Should -Not -BeNullOrEmpty
        $allText.Length | Should -BeGreaterThan 2000
    }

    It 'tells the story with token fingerprints in verbose output' {
        $verbose = @($observed.Verbose) -join "`n"
        $verbose | Should -Match ([regex]::Escape((Get-AgwTestFingerprint $issued[0])))
    }

    It 'tells each part of the story: <Part>' -ForEach @(
        @{ Part = 'credential source'; Pattern = 'Credentials loaded from ServiceBinding ' }
        @{ Part = 'cache miss'; Pattern = 'Token cache miss: system token' }
        @{ Part = 'cache hit'; Pattern = 'Token cache hit: user token \(user key [0-9a-f]{8}\) [0-9a-f]{8}' }
        @{ Part = 'renewal after a 401'; Pattern = '401' }
        @{ Part = 'session created'; Pattern = 'MCP session to \S+ created' }
        @{ Part = 'session reused'; Pattern = 'MCP session to \S+ reused' }
        @{ Part = 'server and duration'; Pattern = "Tool 'echo' on 'sandbox-travel' succeeded in \d+ ms" }
    ) {
        @($observed.Verbose) -join "`n" | Should -Match $Pattern
    }

    It 'shows no access token issued (<_>)' -ForEach @(0, 1, 2, 3, 4, 5, 6) {
        $token = $issued[$_]
        $token | Should -Not -BeNullOrEmpty
        $allText.Contains($token) | Should -BeFalse
        # A JWT's signature alone identifies it; it must not show either.
        $signature = $token.Split('.')[-1]
        $allText.Contains($signature) | Should -BeFalse
    }

    It 'shows no user JWT' {
        $allText.Contains($jwt) | Should -BeFalse
        $allText.Contains($jwt.Split('.')[-1]) | Should -BeFalse
    }

    It 'shows no PEM text' {
        $allText | Should -Not -Match '-----BEGIN'
        $allText | Should -Not -Match 'PRIVATE KEY'
    }

    It 'shows no line of the private key or of the certificate' {
        foreach ($pem in $credentials.privateKey, $credentials.certificate) {
            $lines = $pem -split "`r?`n" | Where-Object { $_ -and $_ -notmatch '^-----' } | ForEach-Object Trim
            $lines | Should -Not -BeNullOrEmpty
            foreach ($line in $lines | Where-Object Length -GE 16) {
                $allText.Contains($line) | Should -BeFalse -Because 'no part of the credentials may be shown'
            }
        }
    }
}
