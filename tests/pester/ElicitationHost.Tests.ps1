# Elicitation through an interactive host (issue 13): Invoke-McpTool runs in a runspace whose host is a scripted
# PSHost (ScriptedHost.ps1). Its user interface answers PromptForChoice and Prompt from a queue and records what it was
# shown (captions, messages, choices and the default choice, each FieldDescription), so the test sees what a user would see. The
# module takes a host as interactive when its prompts work (a host that cannot prompt throws, and the module declines).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModuleManifest -Force
    $sb = Connect-AgwTestSandbox -BindingRoot (Join-Path $TestDrive 'bindings')
    $desk = [uri] $sb.servers.'sandbox-desk'

    . (Join-Path $PSScriptRoot 'ScriptedHost.ps1')

    # Runs book-trip (form: destination string >= 2 chars, required; nights integer 1-30, default 2, required;
    # cabin enum economy/business, default economy; breakfast boolean, default true) in a runspace of the scripted
    # host, answering with $Answers in order; returns the result's text and the UI (what was shown).
    function Invoke-BookTripInHost([object[]] $Answers, [string] $Tool = 'book-trip') {
        $ui = [AgwTest.ScriptedUI]::new()
        foreach ($a in $Answers) { $ui.Answers.Enqueue($a) }
        $iss = [initialsessionstate]::CreateDefault2()
        $iss.ImportPSModule($ModuleManifest)
        $runspace = [runspacefactory]::CreateRunspace([AgwTest.ScriptedHost]::new($ui), $iss)
        $runspace.Open()
        try {
            $text = Invoke-InRunspace $runspace "Set-AgwClientConfig -TrustedCaPath '$($sb.caCertificatePath)'; (Invoke-McpTool -Name $Tool -Uri '$desk' -ErrorAction Stop).Text"
        }
        finally {
            $runspace.Dispose()
        }
        [pscustomobject]@{ Text = "$text"; UI = $ui }
    }
}

AfterAll {
    Disconnect-AgwTestSandbox $sb
}

Describe 'Elicitation through an interactive host' {
    It 'prompts each field with its title and description, defaults pre-filled, enums as choices, and sends the answers' {
        # Answer the form; destination 'Lisbon'; nights: empty input takes the default; cabin: Business; breakfast: No.
        $run = Invoke-BookTripInHost @(0, 'Lisbon', '', 1, 1)

        $run.Text | Should -BeLike 'accept *'
        $content = ($run.Text -replace '^accept ', '') | ConvertFrom-Json
        $content.destination | Should -Be 'Lisbon'
        $content.nights | Should -Be 2 -Because 'the default was taken on empty input'
        $content.cabin | Should -Be 'business'
        $content.breakfast | Should -BeFalse

        $shown = $run.UI.Shown
        $shown[0].Kind | Should -Be 'Choice'
        $shown[0].Caption | Should -BeLike "*'sandbox-desk'*"
        $shown[0].Message | Should -Be 'Where to, and for how long?'
        $shown[0].Choices.Count | Should -Be 3 -Because 'answer, decline or cancel'

        $destination = $shown | Where-Object FieldName -EQ 'destination'
        $destination.FieldLabel | Should -Be 'Destination'
        $destination.FieldHelp | Should -Be 'The city to travel to.'
        $destination.FieldMandatory | Should -BeTrue
        $destination.FieldDefault | Should -BeNullOrEmpty

        $nights = $shown | Where-Object FieldName -EQ 'nights'
        $nights.FieldLabel | Should -BeLike 'Nights*2*'
        $nights.FieldHelp | Should -Be 'How many nights (1-30).'
        $nights.FieldDefault | Should -Be '2'

        $cabin = $shown | Where-Object { $_.Kind -eq 'Choice' -and $_.Caption -like 'Cabin*' }
        $cabin.Message | Should -Be 'The cabin class.'
        ($cabin.Choices -join ',') | Should -BeLike '*Economy*,*Business*'
        $cabin.Choices[$cabin.DefaultChoice] | Should -BeLike '*Economy' -Because 'the default is the preselected choice'

        $breakfast = $shown | Where-Object { $_.Kind -eq 'Choice' -and $_.Caption -like 'Breakfast*' }
        $breakfast.Message | Should -Be 'Breakfast included?'
        $breakfast.Choices[$breakfast.DefaultChoice] | Should -Be '&Yes' -Because 'the default (true) is preselected'
        $run.UI.Answers.Count | Should -Be 0 -Because 'every scripted answer was asked for'
    }

    It 'checks each typed answer against the requested schema and asks again' {
        # nights: 'many' (not an integer), then 31 (above the maximum), then 4; cabin and breakfast: the defaults.
        $run = Invoke-BookTripInHost @(0, 'Oslo', 'many', '31', '4', 'default', 'default')

        $content = ($run.Text -replace '^accept ', '') | ConvertFrom-Json
        $content.nights | Should -Be 4
        $content.cabin | Should -Be 'economy'
        $content.breakfast | Should -BeTrue
        @($run.UI.Shown | Where-Object FieldName -EQ 'nights').Count | Should -Be 3
        $run.UI.Errors.Count | Should -Be 2 -Because ($run.UI.Errors -join "`n")
        $run.UI.Errors[0] | Should -Match 'Nights'
        $run.UI.Errors[1] | Should -Match '30'
    }

    It 'cancels the form after repeated answers of the wrong type' {
        $run = Invoke-BookTripInHost @(0, 'Oslo', 'x', 'y', 'z')
        $run.Text | Should -Be 'cancel'
    }

    It '<Choice> at the first prompt sends <Action> and asks nothing more' -ForEach @(
        @{ Choice = 'Decline'; Index = 1; Action = 'decline' }
        @{ Choice = 'Cancel'; Index = 2; Action = 'cancel' }
    ) {
        $run = Invoke-BookTripInHost @($Index)
        $run.Text | Should -Be $Action
        $run.UI.Shown.Count | Should -Be 1
    }

    It 'shows the URL of a URL elicitation and continues only when the user says so' {
        $run = Invoke-BookTripInHost @(0) -Tool 'open-consent'
        $run.Text | Should -Be 'accept'
        $run.UI.Shown[0].Message | Should -Match ([regex]::Escape('https://consent.sandbox.invalid/budget/42'))
        $run.UI.Shown[0].Choices[$run.UI.Shown[0].DefaultChoice] | Should -Be '&Decline' -Because 'opening a page is never the default'

        (Invoke-BookTripInHost @(1) -Tool 'open-consent').Text | Should -Be 'decline'
    }
}
