using System.Text;
using System.Text.Json;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>
/// The body of an answer read through the response guard: limits per JSON body and per event, the event-stream format
/// (LF, CRLF, CR, several data lines, comments, ids), and which bodies prove to hold no reply. Read whole and in
/// one-byte reads, so no boundary matters. (End to end against a server: <see cref="HostileResultTests"/>.)
/// </summary>
public sealed class McpResponseStreamTests
{
    private static readonly Uri s_endpoint = new("https://mcp.example/v1/mcp/x/t");
    private static readonly McpRpcRequest s_call = new("tools/call", "\"agw-1\"");

    private const string Reply = """{"jsonrpc":"2.0","id":"agw-1","result":{"content":[]}}""";
    private const string Notification = """{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}""";

    private static string ReadAll(string body, McpResponseStream.Mode mode, long limit = 1000, McpRpcRequest? rpc = null, bool oneByteAtATime = false, McpResultSlot? slot = null)
    {
        using var content = new ByteArrayContent([]);
        Stream inner = new MemoryStream(Encoding.UTF8.GetBytes(body));
        if (oneByteAtATime)
        {
            inner = new Trickle(inner);
        }

        using var stream = new McpResponseStream(inner, content, limit, mode, s_endpoint, rpc?.Method ?? "GET", rpc, slot);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static TheoryData<string, bool> EventStreams() => new()
    {
        { $"data: {Notification}\n\ndata: {Reply}\n\n", true },
        { $"data: {Notification}\r\n\r\ndata: {Reply}\r\n\r\n", true },
        { $"data: {Notification}\r\rdata: {Reply}\r\r", true },
        { $": a comment\nevent: message\nretry: 10\ndata: {{\"jsonrpc\":\"2.0\",\ndata: \"id\":\"agw-1\",\"result\":{{}}}}\n\n", true },
        { $"data:{Reply}\n\n", true },
        { $"id: 1\ndata: {Notification}\n\n", true }, // an event id: the SDK resumes, the guard leaves the end to it
        { $"data: {Notification}\n\n", false },
        { $"data: {Reply.Replace("agw-1", "agw-2", StringComparison.Ordinal)}\n\n", false },
        { $"data: {Reply}", false }, // an event not ended by a blank line is never dispatched
        { string.Empty, false },
    };

    [Theory]
    [MemberData(nameof(EventStreams))]
    public void An_event_stream_without_a_reply_and_no_way_to_resume_fails_at_its_end(string body, bool hasReply)
    {
        foreach (var trickle in new[] { false, true })
        {
            // Passed through as read (no slot), or event by event (a slot: whole events, in the canonical form).
            foreach (var collect in new[] { false, true })
            {
                using var slot = collect ? McpResultSlot.Begin(s_call.Id!) : default;
                if (hasReply)
                {
                    var read = ReadAll(body, McpResponseStream.Mode.EventStream, rpc: s_call, oneByteAtATime: trickle, slot: slot.Slot);
                    if (!collect)
                    {
                        Assert.Equal(body, read);
                        continue;
                    }

                    // The same events (whole ones only), the reply to the call with its result taken out into the slot.
                    var expected = Events(body).Select(e => IsOurReply(e.Data) ? e with { Data = Stub } : e);
                    Assert.Equal(expected, Events(read));
                    Assert.Equal(Events(body).Any(e => IsOurReply(e.Data)), slot.Slot!.Result is not null);
                }
                else
                {
                    var e = McpKind.Throws(McpErrorKind.Protocol, () => ReadAll(body, McpResponseStream.Mode.EventStream, rpc: s_call, oneByteAtATime: trickle, slot: slot.Slot));
                    Assert.Contains("ended without a reply to tools/call", e.Message, StringComparison.Ordinal);
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reply_of_ours_is_read_once_into_the_slot_and_the_SDK_gets_it_with_an_empty_result(bool json)
    {
        var mode = json ? McpResponseStream.Mode.Json : McpResponseStream.Mode.EventStream;
        var text = new string('x', 100_000);
        var large = """{"jsonrpc":"2.0","id":"agw-1","result":{"content":[{"type":"text","text":"TEXT"}]}}""".Replace("TEXT", text, StringComparison.Ordinal);
        var surrogate = """{"jsonrpc":"2.0","id":"agw-1","result":{"structuredContent":{"s":"a\ud800b"}}}""";
        string Framed(string message) => json ? message : $"id: 7\nevent: message\ndata: {message}\n\n";

        foreach (var message in new[] { large, Reply, surrogate })
        {
            using var scope = McpResultSlot.Begin(s_call.Id!);
            var read = ReadAll(Framed(message), mode, limit: 1 << 20, rpc: s_call, slot: scope.Slot);

            Assert.Equal(Framed(Stub), read);
            Assert.Equal(message.Length, scope.Slot.ReplySize);
            Assert.Equal(JsonDocument.Parse(message).RootElement.GetProperty("result").GetRawText(), scope.Slot.Result!.Value.GetRawText());
        }

        // Another request's reply, and a result that asks for input (the SDK acts on it), reach the SDK whole.
        var inputRequired = """{"jsonrpc":"2.0","id":"agw-1","result":{"resultType":"input_required","requestState":"TEXT"}}""".Replace("TEXT", text, StringComparison.Ordinal);
        foreach (var message in new[] { large.Replace("agw-1", "agw-2", StringComparison.Ordinal), inputRequired })
        {
            if (json && message.Contains("agw-2", StringComparison.Ordinal))
            {
                continue; // a JSON body with another request's reply fails (An_answer_that_is_no_reply...)
            }

            using var scope = McpResultSlot.Begin(s_call.Id!);
            var body = Framed(message) + (message.Contains("agw-2", StringComparison.Ordinal) ? Framed(Reply) : string.Empty);
            var read = ReadAll(body, mode, limit: 1 << 20, rpc: s_call, slot: scope.Slot);
            if (json)
            {
                Assert.Equal(body, read);
                Assert.Null(scope.Slot.Result);
            }
            else
            {
                Assert.Equal(Events(body).Select(e => IsOurReply(e.Data) && !e.Data.Contains("input_required", StringComparison.Ordinal) ? e with { Data = Stub } : e), Events(read));
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reply_past_the_large_threshold_is_read_into_the_slot_whole_and_one_that_asks_for_input_reaches_the_SDK_whole(bool json)
    {
        // Past McpMessageSegments.LargeThreshold the message is collected in one array, handed over without a copy.
        var mode = json ? McpResponseStream.Mode.Json : McpResponseStream.Mode.EventStream;
        var text = new string('y', 3 * 1024 * 1024);
        var large = """{"jsonrpc":"2.0","id":"agw-1","result":{"content":[{"type":"text","text":"TEXT"}]}}""".Replace("TEXT", text, StringComparison.Ordinal);
        string Framed(string message) => json ? message : $"event: message\ndata: {message}\n\n";

        using (var scope = McpResultSlot.Begin(s_call.Id!))
        {
            var read = ReadAll(Framed(large), mode, limit: 4 << 20, rpc: s_call, slot: scope.Slot);

            Assert.Equal(Framed(Stub), read);
            Assert.Equal(large.Length, scope.Slot.ReplySize);
            Assert.Equal(text, scope.Slot.Result!.Value.GetProperty("content")[0].GetProperty("text").GetString());
        }

        var inputRequired = """{"jsonrpc":"2.0","id":"agw-1","result":{"resultType":"input_required","requestState":"TEXT"}}""".Replace("TEXT", text, StringComparison.Ordinal);
        using (var scope = McpResultSlot.Begin(s_call.Id!))
        {
            var read = ReadAll(Framed(inputRequired), mode, limit: 32 << 20, rpc: s_call, slot: scope.Slot);

            Assert.Equal(json ? inputRequired : Events(Framed(inputRequired)).Single().Data, json ? read : Events(read).Single().Data);
            Assert.Null(scope.Slot.Result);
        }

        // Past an eighth of the limit (at least 1 MB), a request for input is refused: the SDK would copy it many times.
        using (var scope = McpResultSlot.Begin(s_call.Id!))
        {
            var e = Assert.Throws<McpGatewayException>(() => ReadAll(Framed(inputRequired), mode, limit: 4 << 20, rpc: s_call, slot: scope.Slot));

            Assert.Equal(McpErrorKind.Protocol, e.Kind);
            Assert.Contains("asks for input with a result of", e.Message, StringComparison.Ordinal);
            Assert.Contains("at most 1048576 bytes", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_large_error_of_ours_is_read_into_the_slot_and_the_SDK_gets_a_stand_in_with_its_id_and_code(bool json)
    {
        var mode = json ? McpResponseStream.Mode.Json : McpResponseStream.Mode.EventStream;
        var text = new string('z', 2 * 1024 * 1024);
        string Error(int code, string message, string id = "agw-1") =>
            "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"error\":{\"code\":" + code + ",\"message\":" + message + ",\"data\":{\"detail\":\"" + text + "\"}}}";
        string Framed(string message) => json ? message : $"event: message\ndata: {message}\n\n";
        string Data(string read) => json ? read : Events(read).Single().Data;

        using (var scope = McpResultSlot.Begin(s_call.Id!))
        {
            var read = Data(ReadAll(Framed(Error(-32603, $"\"big\\n{text}\"")), mode, limit: 8 << 20, rpc: s_call, slot: scope.Slot));

            Assert.Equal((-32603, "big\n" + text), scope.Slot.Error);
            Assert.Null(scope.Slot.Result);
            var standIn = JsonDocument.Parse(read).RootElement;
            Assert.Equal("agw-1", standIn.GetProperty("id").GetString());
            Assert.Equal(-32603, standIn.GetProperty("error").GetProperty("code").GetInt32());
            Assert.False(standIn.GetProperty("error").TryGetProperty("data", out _));
            Assert.True(read.Length < 200, read);
        }

        // A small error, one the SDK acts on (URL elicitation required: it reads its data), one with a message that is
        // no string or no valid UTF-16: the SDK gets them whole.
        var small = """{"jsonrpc":"2.0","id":"agw-1","error":{"code":-32603,"message":"small"}}""";
        foreach (var message in new[] { small, Error(-32042, "\"url\""), Error(-32603, "42"), Error(-32603, "\"a\\ud800b\"") })
        {
            using var scope = McpResultSlot.Begin(s_call.Id!);
            var read = Data(ReadAll(Framed(message), mode, limit: 8 << 20, rpc: s_call, slot: scope.Slot));

            Assert.Equal(message, read);
            Assert.Null(scope.Slot.Error);
        }
    }

    private const string Stub = """{"jsonrpc":"2.0","id":"agw-1","result":{}}""";

    private static bool IsOurReply(string data) => data.Contains("\"agw-1\"", StringComparison.Ordinal) && data.Contains("\"result\"", StringComparison.Ordinal);

    /// <summary>One event as a reader gets it: its other lines (as written), and its data lines joined by a line feed.</summary>
    private sealed record Event(string Other, string Data);

    /// <summary>The events of a stream that were ended by a blank line (a reader drops the rest), whatever the line ends.</summary>
    private static List<Event> Events(string stream)
    {
        var blocks = stream.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split("\n\n");
        return blocks.SkipLast(1).Where(b => b.Length > 0).Select(block =>
        {
            var lines = block.TrimStart('\n').Split('\n');
            var data = lines.Where(IsData).Select(l => l.Length == 4 ? string.Empty : l[5..].StartsWith(' ') ? l[6..] : l[5..]);
            return new Event(string.Join('\n', lines.Where(l => !IsData(l))), string.Join('\n', data));
        }).ToList();

        static bool IsData(string line) => line == "data" || line.StartsWith("data:", StringComparison.Ordinal);
    }

    [Fact]
    public void A_reply_of_ours_that_is_not_JSON_fails_at_once_and_other_bad_events_only_if_no_reply_follows()
    {
        var bad = """{"jsonrpc":"2.0","id":"agw-1","result":{"x":NaN}}""";
        var e = McpKind.Throws(McpErrorKind.Protocol, () => ReadAll($"data: {bad}\n\ndata: {Reply}\n\n", McpResponseStream.Mode.EventStream, rpc: s_call));
        Assert.Contains("is not valid JSON: it holds a bare NaN", e.Message, StringComparison.Ordinal);

        var noise = $"data: not json\n\ndata: {Reply}\n\n";
        Assert.Equal(noise, ReadAll(noise, McpResponseStream.Mode.EventStream, rpc: s_call));

        var only = McpKind.Throws(McpErrorKind.Protocol, () => ReadAll("data: not json\n\n", McpResponseStream.Mode.EventStream, rpc: s_call));
        Assert.Contains("an event is not valid JSON (it holds the unquoted word 'not'", only.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_limit_holds_per_event_not_per_stream(bool trickle)
    {
        var events = string.Concat(Enumerable.Repeat($"data: {Notification}\n\n", 50)) + $"data: {Reply}\n\n";
        Assert.Equal(events, ReadAll(events, McpResponseStream.Mode.EventStream, limit: 200, rpc: s_call, oneByteAtATime: trickle));

        var endless = "data: {\"x\":\"" + new string('a', 500);
        var e = McpKind.Throws(McpErrorKind.ResponseTooLarge, () => ReadAll(endless, McpResponseStream.Mode.EventStream, limit: 200, oneByteAtATime: trickle));
        Assert.Equal(200, e.SizeLimit);
        Assert.StartsWith("An event of the answer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_JSON_body_is_counted_whole_and_judged_at_its_end()
    {
        Assert.Equal(Reply, ReadAll(Reply, McpResponseStream.Mode.Json, limit: Reply.Length, rpc: s_call));
        McpKind.Throws(McpErrorKind.ResponseTooLarge, () => ReadAll(Reply, McpResponseStream.Mode.Json, limit: Reply.Length - 1, rpc: s_call));

        var other = McpKind.Throws(McpErrorKind.Protocol, () => ReadAll(Notification, McpResponseStream.Mode.Json, rpc: s_call));
        Assert.Contains("is a request or notification of its own, not a reply", other.Message, StringComparison.Ordinal);

        // Without a request that expects a reply (a notification's answer, a GET), nothing is judged, only counted.
        Assert.Equal("not json", ReadAll("not json", McpResponseStream.Mode.Json));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void A_byte_order_mark_before_the_answer_is_no_content(bool json, bool collect)
    {
        var body = "\uFEFF" + (json ? Reply : $"data: {Reply}\n\n");
        using var slot = collect ? McpResultSlot.Begin(s_call.Id!) : default;
        foreach (var trickle in new[] { false, true })
        {
            var read = ReadAll(body, json ? McpResponseStream.Mode.Json : McpResponseStream.Mode.EventStream, rpc: s_call, oneByteAtATime: trickle, slot: slot.Slot);

            // No failure (the mark is not taken for content); passed through whole (the reader here skips a mark, as the
            // SDK's do), or collected: the reply with its result in the slot.
            Assert.Equal(!collect ? body[1..] : json ? Stub : $"data: {Stub}\n\n", read);
        }
    }

    /// <summary>Hands out one byte per read.</summary>
    private sealed class Trickle(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
