using System.Text;

namespace AgentGateway.Engine.ToolCommands;

/// <summary>
/// Text a server sends (names, descriptions, enum values) written into PowerShell script safely: as single-quoted
/// strings or inside a help comment, never as code.
/// </summary>
public static class PowerShellText
{
    private static readonly string[] LineBreaks = ["\r\n", "\r", "\n", "\u0085", "\u2028", "\u2029"];

    /// <summary>A single-quoted PowerShell string of <paramref name="value"/>: every quote character PowerShell knows is doubled.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            // PowerShell takes the typographic single quotes for ' too.
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
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
    /// Lines for a comment-based help block, indented: nothing can close the block (#&gt;) or start a help
    /// keyword (a line beginning with a dot), and control characters are dropped.
    /// </summary>
    public static IEnumerable<string> HelpLines(string? text, string indent)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        foreach (var raw in text.Split(LineBreaks, StringSplitOptions.None))
        {
            var line = new string(raw.Where(c => !char.IsControl(c) || c == '\t').ToArray())
                .Replace("#>", "# >", StringComparison.Ordinal)
                .Replace("<#", "< #", StringComparison.Ordinal)
                .TrimEnd();
            yield return line.Length == 0 ? string.Empty : indent + (line.TrimStart().StartsWith('.') ? " " + line : line);
        }
    }

    /// <summary>One line of text for a comment or a single-line help entry: whitespace collapsed, nothing that ends the comment.</summary>
    public static string OneLine(string? text) =>
        string.Join(' ', new string((text ?? string.Empty).Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c).ToArray()).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Replace("#>", "# >", StringComparison.Ordinal)
            .Replace("<#", "< #", StringComparison.Ordinal);
}
