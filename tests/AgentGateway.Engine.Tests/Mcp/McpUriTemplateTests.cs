using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Resources;

namespace AgentGateway.Engine.Tests.Mcp;

public sealed class McpUriTemplateTests
{
    private static readonly Dictionary<string, string?> s_values = new()
    {
        ["var"] = "value",
        ["hello"] = "Hello World!",
        ["path"] = "/foo/bar",
        ["x"] = "1024",
        ["y"] = "768",
        ["empty"] = "",
    };

    [Theory]
    [InlineData("{var}", "value")]
    [InlineData("{hello}", "Hello%20World%21")]
    [InlineData("{+path}/here", "/foo/bar/here")]
    [InlineData("{+hello}", "Hello%20World!")]
    [InlineData("X{#var}", "X#value")]
    [InlineData("X{.var}", "X.value")]
    [InlineData("{/var,x}/here", "/value/1024/here")]
    [InlineData("{;x,y,empty}", ";x=1024;y=768;empty")]
    [InlineData("{?x,y,empty}", "?x=1024&y=768&empty=")]
    [InlineData("?fixed=yes{&x}", "?fixed=yes&x=1024")]
    [InlineData("{var:3}", "val")]
    [InlineData("{undef}", "")]
    [InlineData("file://{+path}{?x}", "file:///foo/bar?x=1024")]
    public void Expands_as_RFC_6570_has_it(string template, string expected) =>
        Assert.Equal(expected, McpUriTemplate.Expand(template, s_values));

    [Fact]
    public void Names_each_variable_once_in_order() =>
        Assert.Equal(["owner", "repo", "path", "ref"], McpUriTemplate.Variables("gh://{owner}/{repo}/{+path}{?ref,owner}"));

    [Fact]
    public void Fill_refuses_a_missing_or_an_unknown_variable_naming_it_never_a_value()
    {
        var missing = Assert.Throws<McpPrimitiveException>(() => McpUriTemplate.Fill("a://{b}/{c}", new Dictionary<string, string?> { ["b"] = "1" }));
        var unknown = Assert.Throws<McpPrimitiveException>(() => McpUriTemplate.Fill("a://{b}", new Dictionary<string, string?> { ["b"] = "1", ["d"] = "hidden" }));

        Assert.Equal(McpPrimitiveProblem.ArgumentsInvalid, missing.Problem);
        Assert.Contains("'c'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'d'", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file:///docs/readme.md", "readme.md")]
    [InlineData("travel://bundle/b1/logo.png?size=2#x", "logo.png")]
    [InlineData("x://host/..", "resource")]
    [InlineData("x://host/a%2F..%2F..%2Fetc%2Fpasswd", "a_.._.._etc_passwd")]
    [InlineData("x://host/", "host")]
    [InlineData("weird:", "weird_")]
    [InlineData("x://h/con\u0007trol", "con_trol")]
    public void File_names_come_from_the_last_segment_and_never_leave_the_folder(string uri, string expected) =>
        Assert.Equal(expected, McpResourceFiles.FileNameFor(uri));
}
