using AgentGateway.Engine.Diagnostics;
using Xunit;

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
    [InlineData("lone \uD800 surrogate", "lone \uFFFD surrogate")]
    public void Replaces_control_and_bidi_characters(string text, string expected) =>
        Assert.Equal(expected, ServerText.ForTerminal(text));

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
}
