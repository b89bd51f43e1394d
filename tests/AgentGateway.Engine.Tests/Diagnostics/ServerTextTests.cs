using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Tests.Diagnostics;

public sealed class ServerTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b[31mred\u001b[0m", "a\uFFFD[31mred\uFFFD[0m")]
    [InlineData("line one\r\nline two", "line one  line two")]
    [InlineData("tab\there", "tab here")]
    [InlineData("bell\u0007 del\u007f c1\u009b", "bell\uFFFD del\uFFFD c1\uFFFD")]
    [InlineData("abc\u202Egnp.exe", "abc\uFFFDgnp.exe")]
    [InlineData("\u2066iso\u2069 \u200Fmark", "\uFFFDiso\uFFFD \uFFFDmark")]
    [InlineData("para\u2029sep", "para sep")]
    public void Replaces_control_and_bidi_characters(string text, string expected) =>
        Assert.Equal(expected, ServerText.ForTerminal(text));

    // Not an InlineData: the test runner passes a string with a lone surrogate on as U+FFFD bytes.
    [Fact]
    public void Replaces_a_lone_surrogate() =>
        Assert.Equal("lone \uFFFD surrogate", ServerText.ForTerminal("lone \uD800 surrogate"));

    [Fact]
    public void Keeps_whole_surrogate_pairs_and_non_ascii_text() =>
        Assert.Equal("café 😀 日本", ServerText.ForTerminal("café 😀 日本"));

    [Fact]
    public void Cuts_long_text_with_an_ellipsis_within_the_length()
    {
        var text = new string('x', 5000);
        var shown = ServerText.ForTerminal(text, 100);
        Assert.Equal(100, shown.Length);
        Assert.EndsWith("…", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Never_cuts_a_surrogate_pair_in_half()
    {
        var shown = ServerText.ForTerminal("abcd😀efgh", 6);
        Assert.Equal("abcd…", shown);
    }

    [Fact]
    public void Null_and_empty_become_empty()
    {
        Assert.Equal(string.Empty, ServerText.ForTerminal(null));
        Assert.Equal(string.Empty, ServerText.ForTerminal(string.Empty));
    }

    [Theory]
    [InlineData("one\ntwo", "one\ntwo")]
    [InlineData("one\r\ntwo\r\n", "one\ntwo\n")]
    [InlineData("fake\rOVERWRITE\nnext", "fake OVERWRITE\nnext")]
    [InlineData("a\u001b]0;title\u0007\n\u202Eb\0", "a\uFFFD]0;title\uFFFD\n\uFFFDb\uFFFD")]
    [InlineData("tab\tand\u2028sep", "tab and sep")]
    public void ForTerminalLines_keeps_line_breaks_and_replaces_the_rest(string text, string expected) =>
        Assert.Equal(expected, ServerText.ForTerminalLines(text));

    [Fact]
    public void ForTerminalLines_cuts_the_whole_text_line_breaks_counted()
    {
        var text = string.Join("\n", Enumerable.Repeat(new string('x', 30) + "\u001b[2J", 10_000));
        var shown = ServerText.ForTerminalLines(text, 500);
        Assert.Equal(500, shown.Length);
        Assert.EndsWith("…", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(shown, c => ServerText.IsUnsafe(c) && c != '\n');
        Assert.Equal(ServerText.ForTerminalLines(text[..499], 10_000), shown[..499]);
    }

    [Fact]
    public void ForTerminalLines_cuts_one_long_line_and_never_half_a_surrogate_pair()
    {
        Assert.Equal(100, ServerText.ForTerminalLines("a\n" + new string('y', 200_000), 100).Length);
        Assert.Equal("ab\ncd…", ServerText.ForTerminalLines("ab\ncd😀ef", 7));
        Assert.Equal("ab\n…", ServerText.ForTerminalLines("ab\n\n\n\n", 4));
    }

    [Fact]
    public void ForTerminalLines_of_null_and_empty_is_empty()
    {
        Assert.Equal(string.Empty, ServerText.ForTerminalLines(null));
        Assert.Equal(string.Empty, ServerText.ForTerminalLines(string.Empty));
    }
}
