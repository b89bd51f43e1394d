using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Text on its way to the host (the streams, prompts, error messages, the default views), made fit for a terminal
/// by the engine's <c>ServerText</c>: control characters (escape sequences among them) and bidirectional controls
/// replaced, and cut to a length. The objects keep the data as the server sent it. Public for the format file,
/// whose views show server text through it (a format file cannot name the engine's types).
/// </summary>
public static class HostText
{
    /// <summary>The length of one line a cmdlet writes to a stream (verbose, debug, warning, progress, -WhatIf).</summary>
    public const int LineLength = 2000;

    /// <summary>The length of an error message (all its lines).</summary>
    public const int MessageLength = 4000;

    /// <summary>The length of server text quoted inside a message or a prompt (a server's message, a description).</summary>
    public const int QuoteLength = 1000;

    /// <summary>The length of a name shown in a message or a prompt (a server's, a tool's, a field's).</summary>
    public const int NameLength = 100;

    /// <summary>The length of a tool result's text in the default views (the object's Text holds it whole).</summary>
    public const int ResultLength = 4000;

    /// <summary>One line: control and bidirectional characters replaced (line breaks by spaces), at most <see cref="LineLength"/> characters.</summary>
    public static string Line(string? text) => ServerText.ForTerminal(text, LineLength);

    /// <summary>One line of at most <paramref name="maxLength"/> characters.</summary>
    public static string Line(string? text, int maxLength) => ServerText.ForTerminal(text, maxLength);

    /// <summary>Line breaks kept, every other control and bidirectional character replaced, at most <paramref name="maxLength"/> characters in all.</summary>
    public static string Lines(string? text, int maxLength) => ServerText.ForTerminalLines(text, maxLength);

    /// <summary>The first line of <paramref name="text"/>, made fit (the table view of tools shows a description so).</summary>
    public static string FirstLine(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var end = text.AsSpan().IndexOfAny('\r', '\n');
        return ServerText.ForTerminal(end < 0 ? text : text[..end], maxLength);
    }
}
