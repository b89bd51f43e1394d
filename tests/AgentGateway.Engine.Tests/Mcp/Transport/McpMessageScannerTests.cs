using System.Text;
using System.Text.Json;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>The streaming check of one JSON-RPC message: it agrees with System.Text.Json (the SDK's reader) on what is JSON, in any chunks.</summary>
public sealed class McpMessageScannerTests
{
    public static TheoryData<string> Messages() =>
    [
        """{"jsonrpc":"2.0","id":1,"result":{}}""",
        """ { "a" : [ 1 , -2.5e+3 , 0 , 0.0 , -0 , 1E9 , true , false , null , "x\"\\\/\b\f\n\r\t\u00e9" ] } """,
        """{"":{"":[]},"k":"é😀"}""",
        "[]",
        "\"just a string\"",
        "42",
        "-0.5",
        "null",
        "{}",
        "[[[[[]]]]]",
        // not JSON
        "",
        "   ",
        "{",
        "{\"a\":1",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":-}",
        "{\"a\":+1}",
        "{\"a\":Infinity}",
        "{\"a\":-Infinity}",
        "{\"a\":NaN}",
        "{\"a\":nul}",
        "{\"a\":True}",
        "{\"a\":tru}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"tab\tinside\"}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\":1} x",
        "{\"a\":[1}",
        "{\"a\":{1]}",
        "]",
        "<html></html>",
        "this is not JSON",
        "{\"a\":1}}",
        "{\"a\":12abc}",
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void It_agrees_with_System_Text_Json_whole_and_byte_by_byte(string json)
    {
        var expected = IsJson(json);
        var bytes = Encoding.UTF8.GetBytes(json);

        var whole = new McpMessageScanner();
        whole.Feed(bytes);
        var shape = whole.End();

        var split = new McpMessageScanner();
        foreach (var b in bytes)
        {
            split.Feed([b]);
        }

        Assert.True(expected == shape.IsValid, $"System.Text.Json says {(expected ? "valid" : "invalid")}, the scanner: {shape.Problem ?? "valid"}");
        Assert.Equal(shape, split.End());
    }

    [Theory]
    [InlineData(McpMessageScanner.MaxDepth, true)]
    [InlineData(McpMessageScanner.MaxDepth + 1, false)]
    public void It_allows_the_nesting_the_SDKs_reader_allows(int depth, bool valid)
    {
        var json = new string('[', depth) + new string(']', depth);
        Assert.Equal(valid, IsJson(json));

        var scanner = new McpMessageScanner();
        scanner.Feed(Encoding.UTF8.GetBytes(json));
        var shape = scanner.End();

        Assert.Equal(valid, shape.IsValid);
        Assert.Equal(!valid, shape.TooDeep);
    }

    [Theory]
    [InlineData(McpMessageScanner.MaxDepth + 1, true)]
    [InlineData(McpMessageScanner.OffloadedMaxDepth, true)]
    [InlineData(McpMessageScanner.OffloadedMaxDepth + 1, false)]
    public void A_message_the_module_reads_itself_may_nest_to_the_depth_given(int depth, bool valid)
    {
        var scanner = new McpMessageScanner(McpMessageScanner.OffloadedMaxDepth);
        scanner.Feed(Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)));
        var shape = scanner.End();

        Assert.Equal(valid, shape.IsValid);
        Assert.Equal(!valid, shape.TooDeep);
        Assert.Equal(valid ? null : $"it nests objects and arrays deeper than {McpMessageScanner.OffloadedMaxDepth} levels (at byte {McpMessageScanner.OffloadedMaxDepth})", shape.Problem);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":"agw-1","result":{"id":"inner"}}""", "\"agw-1\"", true, false)]
    [InlineData("""{"result":{"id":"inner","method":"x"},"id":7,"jsonrpc":"2.0"}""", "7", true, false)]
    [InlineData("""{"jsonrpc":"2.0","id":-1.5e3,"error":{"code":-32600,"message":"no"}}""", "-1.5e3", true, false)]
    [InlineData("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}""", "null", true, false)]
    [InlineData("""{"jsonrpc":"2.0","id":"a\"b","method":"elicitation/create","params":{}}""", "\"a\\\"b\"", false, true)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"id":1}}""", null, false, true)]
    [InlineData("""{"i\u0064":"escaped key, another key","result":{}}""", null, true, false)]
    public void It_notes_the_top_level_id_and_whether_the_message_is_a_reply(string json, string? id, bool isReply, bool hasMethod)
    {
        var scanner = new McpMessageScanner();
        scanner.Feed(Encoding.UTF8.GetBytes(json));
        var shape = scanner.End();

        Assert.True(shape.IsValid, shape.Problem);
        Assert.True(shape.IsObject);
        Assert.Equal(id, shape.Id);
        Assert.Equal(isReply, shape.IsReply);
        Assert.Equal(hasMethod, shape.HasMethod);
        Assert.Equal(json.Contains("\\u0064", StringComparison.Ordinal), shape.KeysEscaped);
    }

    [Theory]
    [InlineData("{\"x\":Infinity}", "a bare Infinity at byte 5 (JSON has no Infinity or NaN)")]
    [InlineData("{\"x\":-Infinity}", "a bare -Infinity at byte 5")]
    [InlineData("[NaN]", "a bare NaN at byte 1")]
    [InlineData("{\"a\":1", "it ends in the middle of the JSON, after 6 bytes")]
    [InlineData("", "it is empty")]
    [InlineData("<html>", "a value was expected at byte 0, not '<'")]
    public void It_names_what_is_wrong(string json, string problem)
    {
        var scanner = new McpMessageScanner();
        scanner.Feed(Encoding.UTF8.GetBytes(json));

        Assert.Contains(problem, scanner.End().Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void It_reads_one_message_after_another_and_keeps_nothing_of_a_long_string()
    {
        var scanner = new McpMessageScanner();
        scanner.Feed("{\"id\":1,\"result\":{\"text\":\""u8);
        var chunk = Encoding.UTF8.GetBytes(new string('x', 1 << 16));
        for (var i = 0; i < 64; i++)
        {
            scanner.Feed(chunk);
        }

        scanner.Feed("\"}}"u8);
        var first = scanner.End();
        Assert.True(first.IsValid, first.Problem);
        Assert.Equal("1", first.Id);

        scanner.Feed("{\"id\":2,\"result\":{}}"u8);
        Assert.Equal("2", scanner.End().Id);
    }

    private static bool IsJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
