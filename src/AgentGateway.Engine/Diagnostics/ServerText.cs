using System.Text;

namespace AgentGateway.Engine.Diagnostics;

/// <summary>
/// Text a server sent (names, descriptions, messages, stderr) made fit for a terminal: control characters
/// (escape sequences among them) and bidirectional overrides replaced, line breaks made spaces, and cut to a
/// length. The objects a cmdlet writes keep the data as sent; only what goes to the host passes through here.
/// </summary>
internal static class ServerText
{
    /// <summary>The length server text is cut to where a caller names none.</summary>
    public const int DefaultMaxLength = 1000;

    private const char Replacement = '\uFFFD';

    /// <summary>
    /// <paramref name="text"/> with every control character replaced (line breaks and tabs by a space, the rest
    /// by U+FFFD), every bidirectional control replaced by U+FFFD, and cut to at most <paramref name="maxLength"/>
    /// characters (the last one an ellipsis when cut; never half a surrogate pair).
    /// </summary>
    public static string ForTerminal(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!NeedsWork(text, maxLength))
        {
            return text;
        }

        var cut = text.Length > maxLength;
        var keep = cut ? maxLength - 1 : text.Length;
        if (cut && keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        var result = new StringBuilder(keep + 1);
        for (var i = 0; i < keep; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < keep && char.IsLowSurrogate(text[i + 1]))
            {
                result.Append(c).Append(text[++i]);
                continue;
            }

            result.Append(Clean(c));
        }

        return cut ? result.Append('…').ToString() : result.ToString();
    }

    /// <summary>
    /// Like <see cref="ForTerminal"/>, but line breaks (LF, CR LF) are kept, as LF: for text whose lines matter (a
    /// tool's description or result, a message of several lines). A CR without LF is replaced like any control
    /// character, so no line can overwrite another. The whole result, line breaks counted, is at most
    /// <paramref name="maxLength"/> characters (the last one an ellipsis when cut).
    /// </summary>
    public static string ForTerminalLines(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (text.IndexOf('\n') < 0)
        {
            return ForTerminal(text, maxLength);
        }

        // Each line cleaned on its own; past the length the rest is not looked at (one more character marks the cut).
        var result = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        for (var start = 0; start <= text.Length && result.Length <= maxLength;)
        {
            var end = text.IndexOf('\n', start);
            var line = text.AsSpan(start, (end < 0 ? text.Length : end) - start);
            if (line.EndsWith("\r", StringComparison.Ordinal))
            {
                line = line[..^1];
            }

            var room = maxLength + 1 - result.Length;
            result.Append(ForTerminal(line[..Math.Min(line.Length, room)].ToString(), int.MaxValue));
            if (end < 0)
            {
                break;
            }

            result.Append('\n');
            start = end + 1;
        }

        if (result.Length <= maxLength)
        {
            return result.ToString();
        }

        var keep = maxLength - 1;
        if (keep > 0 && char.IsHighSurrogate(result[keep - 1]))
        {
            keep--;
        }

        return result.ToString(0, keep) + "…";
    }

    /// <summary>Whether <paramref name="c"/> is replaced by <see cref="ForTerminal"/>.</summary>
    public static bool IsUnsafe(char c) => char.IsControl(c) || IsBidiControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c);

    private static bool NeedsWork(string text, int maxLength)
    {
        if (text.Length > maxLength)
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    private static char Clean(char c) => c switch
    {
        '\r' or '\n' or '\t' or '\u0085' or '\u2028' or '\u2029' => ' ',
        _ when char.IsControl(c) || IsBidiControl(c) || char.IsSurrogate(c) => Replacement,
        _ => c,
    };

    // LRM, RLM, ALM, the embeddings and overrides (U+202A-202E) and the isolates (U+2066-2069).
    private static bool IsBidiControl(char c) =>
        c is '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
