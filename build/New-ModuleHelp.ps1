<#
.SYNOPSIS
    Generates the module's MAML help (en-US/AgentGateway.dll-Help.xml) and about topics from the
    markdown sources under docs/help. build.ps1 runs it in a child pwsh after the build.
.DESCRIPTION
    Each exported cmdlet has docs/help/<Cmdlet>.md with these sections:
        # <Cmdlet>
        ## SYNOPSIS            one paragraph
        ## DESCRIPTION         paragraphs
        ## PARAMETERS          ### -Name, then its description; a line "Default value: <text>" in it is
                               the default the help shows (else False for a switch, None otherwise)
        ## EXAMPLES            ### Example N: title, a ```powershell fence, then remarks
        ## INPUTS / ## OUTPUTS ### TypeName, then a description
        ## NOTES               paragraphs (optional)
        ## RELATED LINKS       - name lines (optional)
    Syntax, parameter types, positions and pipeline input come from the built cmdlets themselves,
    so the help never disagrees with the code. about_*.md files become about_*.help.txt.
    The error catalogue (docs/errors.md) becomes about_AgentGateway_Errors.help.txt, and each cmdlet's
    NOTES end with the ErrorIds the catalogue says it raises.
    A cmdlet without a markdown file, or a parameter without a description, fails the build; so does a
    parameter whose property starts with a value (ThrottleLimit = 1) that its "Default value" line does not
    begin with, or whose description speaks of a default ("default 1", "Default: 60") without that line.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourcePath,
    # The error catalogue: it becomes about_AgentGateway_Errors and the ErrorIds in each cmdlet's NOTES.
    [Parameter(Mandatory)] [string] $ErrorCatalogPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module (Join-Path $ModulePath 'AgentGateway.psd1') -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters
. (Join-Path $PSScriptRoot 'ErrorCatalog.ps1')
$errorCatalog = @(Read-AgwErrorCatalog -Path $ErrorCatalogPath -CmdletName (Get-Command -Module $module.Name -CommandType Cmdlet).Name)

function Split-Sections([string[]] $Lines, [string] $Prefix) {
    $sections = [ordered]@{}
    $current = $null
    foreach ($line in $Lines) {
        if ($line -match "^$([regex]::Escape($Prefix)) (.+)$") {
            $current = $Matches[1].Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
        }
        elseif ($null -ne $current) {
            $sections[$current].Add($line)
        }
    }
    $sections
}

function Get-Paragraphs([string[]] $Lines) {
    $text = ($Lines -join "`n").Trim()
    if (-not $text) { return @() }
    @($text -split "\n\s*\n" | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ })
}

function Add-Paragraphs([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    if (-not $Paragraphs) { $Writer.WriteElementString('maml', 'para', $maml, ''); return }
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $maml, $p) }
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $Type.Name
}

$defaultLine = '^\s*Default value:\s*(.+)$'
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$culture = Join-Path $ModulePath 'en-US'
$null = New-Item -ItemType Directory -Force $culture
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create((Join-Path $culture 'AgentGateway.dll-Help.xml'), $settings)
$problems = [System.Collections.Generic.List[string]]::new()
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')

    foreach ($cmd in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
        $source = Join-Path $SourcePath "$($cmd.Name).md"
        if (-not (Test-Path $source)) { $problems.Add("$($cmd.Name): no help source $source"); continue }
        $top = Split-Sections (Get-Content $source) '##'
        $paramDocs = if ($top.Contains('PARAMETERS')) { Split-Sections $top['PARAMETERS'] '###' } else { @{} }
        $parameters = $cmd.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name

        $writer.WriteStartElement('command', 'command', $command)
        $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)

        $writer.WriteStartElement('command', 'details', $command)
        $writer.WriteElementString('command', 'name', $command, $cmd.Name)
        $writer.WriteElementString('command', 'verb', $command, $cmd.Verb)
        $writer.WriteElementString('command', 'noun', $command, $cmd.Noun)
        $writer.WriteStartElement('maml', 'description', $maml)
        $synopsis = if ($top.Contains('SYNOPSIS')) { Get-Paragraphs $top['SYNOPSIS'] } else { @() }
        if (-not $synopsis) { $problems.Add("$($cmd.Name): no SYNOPSIS") }
        Add-Paragraphs $writer $synopsis
        $writer.WriteEndElement()
        $writer.WriteEndElement()

        $writer.WriteStartElement('maml', 'description', $maml)
        $description = if ($top.Contains('DESCRIPTION')) { Get-Paragraphs $top['DESCRIPTION'] } else { @() }
        if (-not $description) { $problems.Add("$($cmd.Name): no DESCRIPTION") }
        Add-Paragraphs $writer $description
        $writer.WriteEndElement()

        $describe = {
            param($p)
            $key = "-$($p.Name)"
            if ($paramDocs.Contains($key)) { Get-Paragraphs ($paramDocs[$key] | Where-Object { $_ -notmatch $defaultLine }) } else { @() }
        }
        $defaultOf = {
            param($p)
            $key = "-$($p.Name)"
            $line = if ($paramDocs.Contains($key)) { $paramDocs[$key] | Where-Object { $_ -match $defaultLine } | Select-Object -First 1 }
            if ($line -and $line -match $defaultLine) { $Matches[1].Trim() }
            elseif ($p.ParameterType -eq [System.Management.Automation.SwitchParameter]) { 'False' }
            else { 'None' }
        }
        # The value a parameter's property starts with, when it is not its type's default (ThrottleLimit = 1).
        $instance = [Activator]::CreateInstance($cmd.ImplementingType)
        $codeDefault = {
            param($p)
            $property = $cmd.ImplementingType.GetProperty($p.Name)
            if (-not $property -or $p.ParameterType -eq [System.Management.Automation.SwitchParameter]) { return $null }
            $value = $property.GetValue($instance)
            $zero = if ($property.PropertyType.IsValueType) { [Activator]::CreateInstance($property.PropertyType) }
            if ($null -ne $value -and -not $value.Equals($zero)) { [string]$value }
        }
        $writeParameter = {
            param($p, $set, [bool] $full)
            $attr = if ($set -and $p.ParameterSets.ContainsKey($set)) { $p.ParameterSets[$set] }
            elseif ($p.ParameterSets.ContainsKey('__AllParameterSets')) { $p.ParameterSets['__AllParameterSets'] }
            else { $p.ParameterSets.Values | Select-Object -First 1 }
            $writer.WriteStartElement('command', 'parameter', $command)
            $writer.WriteAttributeString('required', ([string]$attr.IsMandatory).ToLowerInvariant())
            $writer.WriteAttributeString('globbing', 'false')
            $pipeline = @(if ($attr.ValueFromPipeline) { 'ByValue' }; if ($attr.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
            $writer.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
            $writer.WriteAttributeString('position', $(if ($attr.Position -ge 0) { [string]($attr.Position + 1) } else { 'named' }))
            $writer.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
            $writer.WriteElementString('maml', 'name', $maml, $p.Name)
            $writer.WriteStartElement('maml', 'description', $maml)
            Add-Paragraphs $writer (& $describe $p)
            $writer.WriteEndElement()
            if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $writer.WriteStartElement('command', 'parameterValue', $command)
                $writer.WriteAttributeString('required', 'true')
                $writer.WriteString((Get-TypeName $p.ParameterType))
                $writer.WriteEndElement()
            }
            $writer.WriteStartElement('dev', 'type', $dev)
            $writer.WriteElementString('maml', 'name', $maml, $p.ParameterType.FullName)
            $writer.WriteEndElement()
            if ($full) { $writer.WriteElementString('dev', 'defaultValue', $dev, (& $defaultOf $p)) }
            $writer.WriteEndElement()
        }

        $writer.WriteStartElement('command', 'syntax', $command)
        foreach ($set in $cmd.ParameterSets) {
            $writer.WriteStartElement('command', 'syntaxItem', $command)
            $writer.WriteElementString('maml', 'name', $maml, $cmd.Name)
            foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common }) {
                & $writeParameter $cmd.Parameters[$sp.Name] $set.Name $false
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'parameters', $command)
        foreach ($p in $parameters) {
            $text = & $describe $p
            if (-not $text) { $problems.Add("$($cmd.Name): parameter -$($p.Name) has no description") }
            $shown = & $defaultOf $p
            $inCode = & $codeDefault $p
            if ($null -ne $inCode -and -not $shown.StartsWith($inCode, [StringComparison]::OrdinalIgnoreCase)) {
                $problems.Add("$($cmd.Name): parameter -$($p.Name) starts as $inCode, but its help's default is '$shown': add 'Default value: $inCode' to its section")
            }
            if ($shown -eq 'None' -and ($text -join ' ') -match '(?i)\bdefault( \d|:)') {
                $problems.Add("$($cmd.Name): parameter -$($p.Name) speaks of a default, but has no 'Default value:' line")
            }
            & $writeParameter $p $null $true
        }
        $writer.WriteEndElement()

        foreach ($kind in 'INPUTS', 'OUTPUTS') {
            $outer, $inner = if ($kind -eq 'INPUTS') { 'inputTypes', 'inputType' } else { 'returnValues', 'returnValue' }
            $writer.WriteStartElement('command', $outer, $command)
            $items = if ($top.Contains($kind)) { Split-Sections $top[$kind] '###' } else { @{} }
            if (-not $items.Count) { $problems.Add("$($cmd.Name): no $kind") }
            foreach ($name in $items.Keys) {
                $writer.WriteStartElement('command', $inner, $command)
                $writer.WriteStartElement('dev', 'type', $dev)
                $writer.WriteElementString('maml', 'name', $maml, $name)
                $writer.WriteEndElement()
                $writer.WriteStartElement('maml', 'description', $maml)
                Add-Paragraphs $writer (Get-Paragraphs $items[$name])
                $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
        }

        # NOTES: the markdown's, then the ErrorIds of the catalogue that name this cmdlet.
        $raised = @($errorCatalog | Where-Object { $cmd.Name -in $_.Cmdlets })
        if (-not $raised) { $problems.Add("$($cmd.Name): the error catalogue names no ErrorId it raises") }
        $writer.WriteStartElement('maml', 'alertSet', $maml)
        $writer.WriteStartElement('maml', 'alert', $maml)
        $notes = @(if ($top.Contains('NOTES')) { Get-Paragraphs $top['NOTES'] })
        $notes += "ErrorIds this cmdlet can raise (the part of an error's FullyQualifiedErrorId before the comma); Get-Help about_AgentGateway_Errors says what to do about each:"
        $notes += $raised | ForEach-Object { "$($_.ErrorId) ($($_.Category)): $($_.When)." }
        Add-Paragraphs $writer $notes
        $writer.WriteEndElement()
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'examples', $command)
        $examples = if ($top.Contains('EXAMPLES')) { Split-Sections $top['EXAMPLES'] '###' } else { @{} }
        if ($examples.Count -lt 2) { $problems.Add("$($cmd.Name): fewer than two examples") }
        foreach ($title in $examples.Keys) {
            $text = $examples[$title] -join "`n"
            if ($text -notmatch '(?s)```powershell\n(.*?)\n```(.*)') { $problems.Add("$($cmd.Name): example '$title' has no powershell fence"); continue }
            $writer.WriteStartElement('command', 'example', $command)
            $writer.WriteElementString('maml', 'title', $maml, "-------------------------- $title --------------------------")
            $writer.WriteElementString('dev', 'code', $dev, $Matches[1])
            $writer.WriteStartElement('dev', 'remarks', $dev)
            Add-Paragraphs $writer (Get-Paragraphs ($Matches[2] -split "`n"))
            $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'relatedLinks', $command)
        if ($top.Contains('RELATED LINKS')) {
            foreach ($link in $top['RELATED LINKS'] | Where-Object { $_ -match '^\s*-\s*(.+)$' } | ForEach-Object { $Matches[1].Trim() }) {
                $writer.WriteStartElement('maml', 'navigationLink', $maml)
                $writer.WriteElementString('maml', 'linkText', $maml, $link)
                $writer.WriteElementString('maml', 'uri', $maml, '')
                $writer.WriteEndElement()
            }
        }
        $writer.WriteEndElement()

        $writer.WriteEndElement() # command
        if ($instance -is [IDisposable]) { $instance.Dispose() }
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

# about_ topics: markdown headings become upper-case titles, fences and emphasis are dropped.
foreach ($about in Get-ChildItem $SourcePath -Filter 'about_*.md') {
    $text = foreach ($line in Get-Content $about.FullName) {
        if ($line -match '^```') { continue }
        if ($line -match '^#+\s+(.+)$') { $Matches[1].ToUpperInvariant(); continue }
        '    ' * [int]($line -ne '') + ($line -replace '`', '' -replace '\*\*', '')
    }
    Set-Content -Path (Join-Path $culture "$($about.BaseName).help.txt") -Value $text
}
Set-Content -Path (Join-Path $culture 'about_AgentGateway_Errors.help.txt') -Value (ConvertTo-AgwErrorHelpTopic $errorCatalog)

if ($problems.Count) {
    $problems | ForEach-Object { Write-Error $_ -ErrorAction Continue }
    exit 1
}
