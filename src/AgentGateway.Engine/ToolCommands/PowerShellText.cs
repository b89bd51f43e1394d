using System.Text;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// Text a server sends (names, descriptions, enum values, defaults, examples, keys) written into PowerShell script
/// safely, by two helpers only: <see cref="Quote"/> makes a value a single-quoted string (data, never code), and
/// the help sanitiser (<see cref="HelpLines"/>, <see cref="HelpLine"/>) makes text fit for a comment-based help
/// block, which quoting cannot protect (a quoted value with a line break and <c>#&gt;</c> still ends a comment).
/// </summary>
internal static class PowerShellText
{
    /// <summary>What starts a new line for a reader; PowerShell itself breaks comment and help lines at CR and LF only.</summary>
    private static readonly string[] s_lineBreaks = ["\r\n", "\r", "\n", "\u0085", "\u2028", "\u2029"];

    /// <summary>A single-quoted PowerShell string of <paramref name="value"/>: every quote character PowerShell knows is doubled.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            // PowerShell takes the typographic single quotes for ' too.
            if (IsSingleQuote(c))
            {
                text.Append(c);
            }

            text.Append(c);
        }

        return text.Append('\'').ToString();
    }

    /// <summary>A comma-separated list of quoted strings.</summary>
    public static string QuoteList(IEnumerable<string> values) => string.Join(", ", values.Select(Quote));

    /// <summary>
    /// The text a completion puts on the command line for <paramref name="value"/>: the value itself when it is a plain
    /// word (an ASCII letter or _, then ASCII letters, digits, _, -, . and :), which PowerShell reads as that string in
    /// argument mode, else <see cref="Quote"/> of it. Either way the line holds exactly one argument, that value.
    /// </summary>
    public static string CompletionText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return IsPlainWord(value) ? value : Quote(value);
    }

    /// <summary>The typed word a completer matches against: without the quotes it may start (or end) with.</summary>
    public static string CompletionPrefix(string? wordToComplete)
    {
        var word = wordToComplete ?? string.Empty;
        var start = word.Length > 0 && IsQuote(word[0]) ? 1 : 0;
        var end = word.Length > start && IsQuote(word[^1]) ? word.Length - 1 : word.Length;
        return word[start..end];
    }

    /// <summary>
    /// The help sanitiser, for text of several lines: its lines (split at line breaks of every kind), indented, each
    /// made safe by the rules of <see cref="HelpLine"/> but keeping its own spacing. Blank lines stay blank.
    /// </summary>
    public static IEnumerable<string> HelpLines(string? text, string indent)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        foreach (var raw in text.Split(s_lineBreaks, StringSplitOptions.None))
        {
            var line = CleanHelpLine(raw, collapse: false);
            yield return line.Length == 0 ? string.Empty : indent + line;
        }
    }

    /// <summary>
    /// The help sanitiser, for one line of comment-based help (or of any comment): line breaks become spaces and
    /// whitespace runs collapse; other control characters and bidirectional controls become U+FFFD
    /// (<see cref="ServerText.ForTerminal"/>); <c>#&gt;</c> and <c>&lt;#</c> are broken up, so the text cannot end
    /// (or seem to open) a comment; and a line whose first non-blank character is a dot gets a backslash before it,
    /// so no help keyword (<c>.EXTERNALHELP</c>, <c>.FORWARDHELPTARGETNAME</c>, <c>.FORWARDHELPCATEGORY</c>,
    /// <c>.REMOTEHELPRUNSPACE</c>, <c>.EXAMPLE</c>, ...) can start there.
    /// </summary>
    public static string HelpLine(string? text) =>
        CleanHelpLine(string.Join(' ', (text ?? string.Empty).Split(s_lineBreaks, StringSplitOptions.None)), collapse: true);

    /// <summary>Whether <see cref="HelpLine"/> keeps <paramref name="value"/> as it is (so an example can show it unchanged).</summary>
    public static bool IsHelpSafe(string value) => string.Equals(HelpLine(value), value, StringComparison.Ordinal);

    private static string CleanHelpLine(string line, bool collapse)
    {
        if (IsCleanHelpLine(line, collapse))
        {
            return line;
        }

        var text = ServerText.ForTerminal(line, int.MaxValue);
        text = collapse ? string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries)) : text.TrimEnd();
        text = BreakUp(BreakUp(text, "#>", "# >"), "<#", "< #");

        // PowerShell takes a help line whose first non-blank character is a dot for a keyword (^\s*\.(\w+)), and a
        // keyword it does not know for a sign that the block is no help at all.
        var first = 0;
        while (first < text.Length && char.IsWhiteSpace(text[first]))
        {
            first++;
        }

        return first < text.Length && text[first] == '.' ? text.Insert(first, "\\") : text;
    }

    /// <summary>Whether <see cref="CleanHelpLine"/> would keep <paramref name="line"/> as it is (most lines: no copy made).</summary>
    private static bool IsCleanHelpLine(string line, bool collapse)
    {
        if (line.Length == 0)
        {
            return true;
        }

        if (line[0] == '.' || char.IsWhiteSpace(line[^1]) || (collapse && char.IsWhiteSpace(line[0])))
        {
            return false;
        }

        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == ' ')
            {
                if (collapse && line[i - 1] == ' ')
                {
                    return false;
                }

                continue;
            }

            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if ((c == '#' && next == '>') || (c == '<' && next == '#') || char.IsWhiteSpace(c) || ServerText.IsUnsafe(c))
            {
                // A comment end or start, a blank other than a space, a control or bidirectional character: the long way.
                return false;
            }
        }

        // A line that starts with blanks and then a dot is a keyword line: not clean.
        return collapse || line.TrimStart()[0] != '.';
    }

    private static string BreakUp(string text, string pair, string broken)
    {
        // Replace leaves no new pair behind: the inserted space keeps every # and > (< and #) apart.
        return text.Contains(pair, StringComparison.Ordinal) ? text.Replace(pair, broken, StringComparison.Ordinal) : text;
    }

    private static bool IsPlainWord(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '_'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSingleQuote(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';

    private static bool IsQuote(char c) => IsSingleQuote(c) || c is '"' or '\u201C' or '\u201D' or '\u201E';
}
