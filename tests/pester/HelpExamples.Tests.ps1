# Every example in the shipped help (the generated MAML, not the markdown) runs against the sandbox
# gateway, each in a fresh runspace of its own, and raises no error: the examples users copy work.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $script:Examples = foreach ($name in (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport) {
        foreach ($example in (Get-Help $name -Full).Examples.Example) {
            @{ Cmdlet = $name; Title = $example.Title.Trim('- '); Code = $example.Code }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $offline = 'sap.sandbox:mcpServer:offline:v1'

    # What the examples take for granted: a user JWT in $env:USER_JWT, (Set-AgwClientConfig's
    # example) ./credentials.json and ./ca.pem, and (Invoke-McpTool's) ./customers.csv in the current folder.
    $savedUserJwt = $env:USER_JWT
    $env:USER_JWT = New-AgwSandboxUserJwt $sb -Subject 'help-examples'
    $workFolder = New-Item -ItemType Directory (Join-Path $TestDrive 'examples')
    Copy-Item (Join-Path $sb.bindingPath 'credentials') (Join-Path $workFolder 'credentials.json')
    Copy-Item $sb.caCertificatePath (Join-Path $workFolder 'ca.pem')
    Set-Content -LiteralPath (Join-Path $workFolder 'customers.csv') -Value 'query', 'acme', 'globex', 'rockets'
    # (Set-AgwClientCertificate's) ./client.pem, ./client.key and ./client.pfx, its password 'pfx-password'.
    Copy-Item $sb.certificateServer.certificatePath (Join-Path $workFolder 'client.pem')
    Copy-Item $sb.certificateServer.keyPath (Join-Path $workFolder 'client.key')
    $pfx = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile($sb.certificateServer.pfxPath, $sb.certificateServer.password, 'Exportable')
    [IO.File]::WriteAllBytes((Join-Path $workFolder 'client.pfx'), $pfx.Export('Pkcs12', 'pfx-password'))
    $pfx.Dispose()
    # (Set-AgwOAuthClient's) ./agw-machine.pem: a private key that signs client assertions.
    Copy-Item $sb.authorizationServer.rsaKeyPemPath (Join-Path $workFolder 'agw-machine.pem')

    # agw-sandbox on PATH, as the installed tool is (the stdio examples start `agw-sandbox stdio`): a shim to the built sandbox.
    $shimFolder = New-Item -ItemType Directory (Join-Path $TestDrive 'bin')
    $sandboxDll = (Resolve-Path (Join-Path $PSScriptRoot '../AgentGateway.Sandbox/bin/Release/net10.0/AgentGateway.Sandbox.dll')).Path
    if ($IsWindows) {
        Set-Content -LiteralPath (Join-Path $shimFolder 'agw-sandbox.cmd') -Value "@dotnet `"$sandboxDll`" %*"
    }
    else {
        $shim = Join-Path $shimFolder 'agw-sandbox'
        Set-Content -LiteralPath $shim -Value "#!/bin/sh`nexec dotnet '$sandboxDll' `"`$@`""
        chmod +x $shim
    }
    $savedPath = $env:PATH
    $env:PATH = "$shimFolder$([IO.Path]::PathSeparator)$env:PATH"

    # The prologue of each example's runspace: trust the sandbox CA, work in the prepared folder.
    # The sandbox CA is in no system store, and Invoke-WebRequest has no per-call trust option; the
    # module trusts it through -TrustedCaPath, the web cmdlets skip the check for this sandbox only.
    $prologue = @"
Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'
Set-Location -LiteralPath '$workFolder'
`$PSDefaultParameterValues['Invoke-WebRequest:SkipCertificateCheck'] = `$true
`$PSDefaultParameterValues['Invoke-RestMethod:SkipCertificateCheck'] = `$true
"@

    # Runs an example in a new runspace with the module imported; returns its output, errors and exception.
    function Invoke-HelpExample([string] $Code) {
        $runspace = New-AgwTestRunspace
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $null = $ps.AddScript($prologue).Invoke()
            if ($ps.HadErrors) { throw "The example prologue failed: $($ps.Streams.Error[0])" }
            $ps.Commands.Clear()
            $ps.Streams.ClearStreams()

            $invocation = $ps.AddScript($Code).AddCommand('Out-String').BeginInvoke()
            if (-not $invocation.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(60))) {
                $ps.Stop()
                throw 'The example did not finish within 60 s.'
            }
            $exception = $null
            $output = try { $ps.EndInvoke($invocation) -join '' } catch { $exception = $_.Exception; '' }
            [pscustomobject]@{ Output = $output; Errors = @($ps.Streams.Error); Exception = $exception }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

AfterAll {
    $env:USER_JWT = $savedUserJwt
    $env:PATH = $savedPath
    Disconnect-AgwTestSandbox $sb
}

Describe 'Help example <Cmdlet>: <Title>' -ForEach $Examples {
    It 'runs against the sandbox without an error' {
        $run = Invoke-HelpExample $Code

        $run.Exception | Should -BeNullOrEmpty
        # Listing every dependency reaches the sandbox's down server: that error is the documented one.
        $unexpected = $run.Errors | Where-Object { -not ($_.FullyQualifiedErrorId -like 'McpServer*' -and "$($_.TargetObject)" -eq $offline) }
        $unexpected | Should -BeNullOrEmpty
    }
}

Describe 'Help examples and secrets' {
    It 'take the user JWT from the environment and show only a fingerprint of the exchanged token' {
        $example = (Get-Help Get-AgwAccessToken -Full).Examples.Example | Where-Object Code -Match 'AsPlainText'
        $example.Code | Should -Match '\$env:USER_JWT'
        $run = Invoke-HelpExample $example.Code
        $run.Output | Should -Match '^\s*[0-9a-f]{8}\s*$'
    }
}
