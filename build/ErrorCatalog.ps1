# The error catalogue, docs/errors.md, read once for every use: New-ModuleHelp.ps1 makes the help topic
# about_AgentGateway_Errors and each cmdlet's list of ErrorIds from it; the Pester suite checks it against
# the module's ErrorIds class and the shipped topic. Dot-source this file.

# Plain text of a markdown cell: no code marks, no emphasis.
function ConvertTo-AgwPlainText([string] $Markdown) {
    ($Markdown -replace '`', '' -replace '\*\*', '').Trim()
}

# The rows of the catalogue table: ErrorId, Category, RaisedBy, When, WhatToDo (plain text), and Cmdlets:
# the cmdlets of -CmdletName the "raised by" cell names, or all of them when it says 'any'.
# The paragraphs before the table come as Intro on every row.
function Read-AgwErrorCatalog {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string[]] $CmdletName
    )
    $lines = Get-Content $Path
    $table = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l.StartsWith('|') })
    $intro = @($lines | Select-Object -Skip 1 -First ([Math]::Max(0, $table - 1))) -join "`n"
    $intro = @($intro.Trim() -split '\n\s*\n' | ForEach-Object { ConvertTo-AgwPlainText ($_ -replace '\s*\n\s*', ' ') })
    foreach ($line in $lines) {
        if ($line -notmatch '^\| `(\w+)` \|') { continue }
        $errorId = $Matches[1]
        $cells = @($line.Trim().Trim('|') -split '\|' | ForEach-Object { $_.Trim() })
        $raisedBy = ConvertTo-AgwPlainText $cells[2]
        $cmdlets = if ($raisedBy -match '^any\b') { $CmdletName }
        else { @($CmdletName | Where-Object { $raisedBy -match "(?<![\w-])$([regex]::Escape($_))(?![\w-])" }) }
        [pscustomobject]@{
            ErrorId  = $errorId
            Category = ConvertTo-AgwPlainText $cells[1]
            RaisedBy = $raisedBy
            When     = ConvertTo-AgwPlainText $cells[3]
            WhatToDo = ConvertTo-AgwPlainText $cells[4]
            Cmdlets  = @($cmdlets)
            Cells    = $cells.Count
            Intro    = $intro
        }
    }
}

# Words wrapped to $Width columns, every line indented by $Indent.
function Format-AgwWrapped([string] $Text, [int] $Indent, [int] $Width = 80) {
    $line = ''
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if ($line -and ($Indent + $line.Length + 1 + $word.Length) -gt $Width) { (' ' * $Indent) + $line; $line = $word }
        else { $line = if ($line) { "$line $word" } else { $word } }
    }
    if ($line) { (' ' * $Indent) + $line }
}

# The lines of about_AgentGateway_Errors.help.txt.
function ConvertTo-AgwErrorHelpTopic([object[]] $Catalog) {
    'TOPIC'
    '    about_AgentGateway_Errors'
    ''
    'SHORT DESCRIPTION'
    '    Every ErrorId the AgentGateway module raises: when, and what to do about it.'
    ''
    'LONG DESCRIPTION'
    foreach ($paragraph in $Catalog[0].Intro) {
        Format-AgwWrapped $paragraph 4
        ''
    }
    Format-AgwWrapped ("In a script, match an error by its ErrorId: `$_.FullyQualifiedErrorId -like 'McpTimeout,*'; " +
        "in Pester: Should -Throw -ErrorId 'McpTimeout*'. Each cmdlet's help (Get-Help <cmdlet> -Full, NOTES) lists the ErrorIds it raises.") 4
    ''
    'ERRORS'
    foreach ($entry in $Catalog) {
        "    $($entry.ErrorId)"
        Format-AgwWrapped "Category: $($entry.Category)" 8
        Format-AgwWrapped "Raised by: $($entry.RaisedBy)" 8
        Format-AgwWrapped "When: $($entry.When)" 8
        Format-AgwWrapped "What to do: $($entry.WhatToDo)" 8
        ''
    }
    'SEE ALSO'
    '    about_AgentGateway'
    foreach ($name in $Catalog.Cmdlets | Sort-Object -Unique) { "    $name" }
}
