using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A response body read through the limit and the checks of <see cref="McpResponseGuard"/>. A JSON body is counted
/// whole and its one message scanned; an event stream is split into events (lines, blank-line ends, <c>data:</c> and
/// <c>id:</c> fields, as the SSE format has them), each counted and its data scanned. For a request that expects a
/// reply (<c>rpc</c> given), a body that proves to hold none fails here, with the cause, where the SDK would only
/// find no reply; an event stream that may still be resumed (it named an event id) is left to the SDK.
/// <para>
/// With a <see cref="McpResultSlot"/> for the request (a tools/call), the stream hands the SDK whole messages:
/// the JSON body once it has all of it, an event once it has ended. A reply to the request with a result is parsed
/// here, once, into the slot, and the SDK gets the same reply with an empty result instead: the result is then in
/// memory once (UTF-8), not as the SDK's string and node and a copy of ours, and it is read as sent (the SDK's node
/// could not even be written out again with a lone surrogate escape in a string). Anything else passes unchanged
/// (an event in the canonical form of its fields). Without a slot the bytes pass through as they are read.
/// </para>
/// </summary>
internal sealed class McpResponseStream : Stream
{
    private const int ReadSize = 16 * 1024;

    private readonly Stream _inner;
    private readonly HttpContent _original;
    private readonly long _limit;
    private readonly Mode _mode;
    private readonly Uri _uri;
    private readonly string _what;
    private readonly McpRpcRequest? _rpc;
    private readonly McpResultSlot? _slot;
    private readonly McpMessageScanner _scanner;
    private readonly List<string> _otherReplies = [];
    private long _total;
    private bool _ended;
    private int _bomMatched;

    // What was seen, for the judgement at the end.
    private bool _eventIdSeen;
    private bool _replySeen;
    private int _events;
    private string? _firstProblem;

    // The event stream: where in the line and the event the last byte left off.
    private readonly byte[] _field = new byte[5];
    private int _fieldLength;
    private Line _line;
    private bool _lineHasBytes;
    private bool _lastWasCarriageReturn;
    private long _eventBytes;
    private long _eventDataBytes;
    private int _dataLines;

    // Whole messages (with a slot): the JSON body or the event's data, the event's other lines, what is ready to read.
    private readonly Segments? _message;
    private readonly ArrayBufferWriter<byte>? _otherLines;
    private readonly Queue<ReadOnlyMemory<byte>> _ready = new();
    private ReadOnlyMemory<byte> _serving;
    private byte[]? _readBuffer;
    private bool _innerEnded;

    public McpResponseStream(Stream inner, HttpContent original, long limit, Mode mode, Uri uri, string what, McpRpcRequest? rpc, McpResultSlot? slot = null, long? declaredLength = null)
    {
        _inner = inner;
        _original = original;
        _limit = limit;
        _mode = mode;
        _uri = uri;
        _what = what;
        _rpc = rpc;
        _slot = rpc is not null && mode != Mode.Other ? slot : null;
        _scanner = new McpMessageScanner(_slot?.MaxDepth ?? McpMessageScanner.MaxDepth);
        if (_slot is not null)
        {
            _message = new Segments(mode == Mode.Json ? declaredLength : null);
            _otherLines = mode == Mode.EventStream ? new ArrayBufferWriter<byte>(256) : null;
        }
    }

    public enum Mode
    {
        /// <summary>One JSON-RPC message: counted whole, scanned.</summary>
        Json,

        /// <summary>Server-sent events: counted per event, each event's data scanned.</summary>
        EventStream,

        /// <summary>Anything else: counted whole.</summary>
        Other,
    }

    private enum Line
    {
        FieldName,
        DataStart,
        Data,
        IdStart,
        Id,
        Other,
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_slot is null)
        {
            int read;
            try
            {
                read = _inner.Read(buffer);
            }
            catch (Exception e) when (IsBroken(e, default))
            {
                throw Broken(e);
            }

            Take(buffer[..read]);
            return read;
        }

        while (true)
        {
            var served = Serve(buffer);
            if (served > 0 || _innerEnded || buffer.IsEmpty)
            {
                return served;
            }

            var chunk = _readBuffer ??= ArrayPool<byte>.Shared.Rent(ReadSize);
            int read;
            try
            {
                read = _inner.Read(chunk);
            }
            catch (Exception e) when (IsBroken(e, default))
            {
                throw Broken(e);
            }

            _innerEnded = read == 0;
            Take(chunk.AsSpan(0, read));
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_slot is null)
        {
            int read;
            try
            {
                read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBroken(e, cancellationToken))
            {
                throw Broken(e);
            }

            Take(buffer.Span[..read]);
            return read;
        }

        while (true)
        {
            var served = Serve(buffer.Span);
            if (served > 0 || _innerEnded || buffer.IsEmpty)
            {
                return served;
            }

            var chunk = _readBuffer ??= ArrayPool<byte>.Shared.Rent(ReadSize);
            int read;
            try
            {
                read = await _inner.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBroken(e, cancellationToken))
            {
                throw Broken(e);
            }

            _innerEnded = read == 0;
            Take(chunk.AsSpan(0, read));
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _message?.Clear();
            if (_readBuffer is { } buffer)
            {
                _readBuffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            _inner.Dispose();
            _original.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Copies what is ready into <paramref name="buffer"/>; 0 when nothing is.</summary>
    private int Serve(Span<byte> buffer)
    {
        var served = 0;
        while (served < buffer.Length)
        {
            if (_serving.IsEmpty && !_ready.TryDequeue(out _serving))
            {
                break;
            }

            var n = Math.Min(_serving.Length, buffer.Length - served);
            _serving.Span[..n].CopyTo(buffer[served..]);
            _serving = _serving[n..];
            served += n;
        }

        return served;
    }

    /// <summary>
    /// A read that failed with the connection, after the request was sent: a failure of its own when no one could
    /// pick the answer up again (a JSON body; an event stream that named no event id and brought no reply), so the
    /// caller hears that the request may have been acted on. Otherwise the SDK sees the failure as it is (and
    /// resumes the stream).
    /// </summary>
    private bool IsBroken(Exception e, CancellationToken cancellationToken) =>
        e is IOException or HttpRequestException
        && !cancellationToken.IsCancellationRequested
        && _rpc is not null
        && (_mode != Mode.EventStream || (!_eventIdSeen && !_replySeen));

    private McpGatewayException Broken(Exception e) => McpGatewayException.ConnectionLost(
        $"The connection to the MCP server at '{McpResponseGuard.Where(_uri)}' broke after {_what} was sent, while its answer was read ({e.Message}).{McpErrorTranslator.AfterSendNote(_what)}",
        _uri,
        e);

    private void Take(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            if (!_ended)
            {
                _ended = true;
                if (_bomMatched is > 0 and < 3)
                {
                    // A body that began like a byte order mark and ended: those bytes were its content.
                    Process("\uFEFF"u8[.._bomMatched]);
                }

                AtEnd();
            }

            return;
        }

        if (_bomMatched < 3)
        {
            data = SkipByteOrderMark(data);
        }

        Process(data);
    }

    /// <summary>
    /// A UTF-8 byte order mark at the start of a body is no content (the SDK's readers skip it, as JSON and the event
    /// stream format say): it is neither counted, scanned nor handed on from a collected message.
    /// </summary>
    private ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> data)
    {
        var bom = "\uFEFF"u8;
        var i = 0;
        while (_bomMatched < 3 && i < data.Length)
        {
            if (data[i] != bom[_bomMatched])
            {
                // Not a byte order mark: the bytes taken for one are content after all.
                var taken = _bomMatched;
                _bomMatched = 3;
                if (taken > 0)
                {
                    Process(bom[..taken]);
                }

                return data[i..];
            }

            _bomMatched++;
            i++;
        }

        return data[i..];
    }

    private void Process(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (_mode == Mode.EventStream)
        {
            TakeEvents(data);
            return;
        }

        _total += data.Length;
        if (_total > _limit)
        {
            throw McpResponseGuard.TooLarge(_uri, _what, _limit, eventOfStream: false);
        }

        if (_mode == Mode.Json && _rpc is not null)
        {
            _scanner.Feed(data);
            _message?.Append(data);
        }
    }

    /// <summary>The body ended: for a request that expects a reply, fails when it proves to hold none.</summary>
    private void AtEnd()
    {
        if (_rpc is null)
        {
            return;
        }

        if (_mode == Mode.Json)
        {
            var shape = _scanner.End();
            if (Judge(shape, body: true) is { } problem)
            {
                throw McpGatewayException.MalformedReply(problem, _uri);
            }

            if (_message is not null)
            {
                var message = _message.ToArray();
                _ready.Enqueue(Offload(shape, message) ?? message);
            }

            return;
        }

        if (_mode == Mode.EventStream && !_replySeen && !_eventIdSeen)
        {
            var why = _otherReplies.Count > 0 ? $": it brought a reply to another request (id {string.Join(", ", _otherReplies)}), not to this one (id {Show(_rpc.Id)})"
                : _firstProblem is not null ? $": {_firstProblem}"
                : _events == 0 ? ", having sent no event"
                : string.Create(CultureInfo.InvariantCulture, $", having sent {_events} other message(s)");
            throw McpGatewayException.MalformedReply(
                $"The event stream of the MCP server at '{McpResponseGuard.Where(_uri)}' ended without a reply to {_what}{why}.{McpErrorTranslator.AfterSendNote(_what)}",
                _uri);
        }
    }

    /// <summary>
    /// A success reply to this request: its result parsed into the slot, and the reply the SDK gets instead (an empty
    /// result); null when the message stays as it is (an error, a result that asks for input, not UTF-8).
    /// </summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The document lives as long as the result element the slot keeps; it holds no pooled buffer of ours.")]
    private byte[]? Offload(McpMessageShape shape, byte[] message)
    {
        if (_slot is null || !shape.IsValid || !shape.HasResult || !_rpc!.IsAnsweredBy(shape.Id))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = _slot.MaxDepth });
        }
        catch (JsonException)
        {
            // Not UTF-8, say: the SDK reads it and says what it makes of it.
            return null;
        }

        if (!document.RootElement.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object ||
            (result.TryGetProperty("resultType", out var type) && type.ValueKind == JsonValueKind.String && !type.ValueEquals("complete")))
        {
            // A result the SDK acts on (it asks for input, and the SDK sends the request again): the SDK gets it whole.
            document.Dispose();
            return null;
        }

        _slot.Fill(result, message.Length);
        return Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + _rpc.Id + ",\"result\":{}}");
    }

    /// <summary>
    /// What is wrong with one message for this request: null when it is fine, or is not about this request (an
    /// event stream carries requests and notifications too). <paramref name="body"/>: the message is the whole answer.
    /// </summary>
    private string? Judge(McpMessageShape shape, bool body)
    {
        var answer = $"The answer of the MCP server at '{McpResponseGuard.Where(_uri)}' to {_what}";
        var note = McpErrorTranslator.AfterSendNote(_what);
        if (!shape.IsValid)
        {
            var problem = shape.Problem == "it is empty" && body
                ? $"The MCP server at '{McpResponseGuard.Where(_uri)}' answered {_what} with an empty body, not a reply.{note}"
                : $"{answer} {(shape.TooDeep ? "cannot be read" : "is not valid JSON")}: {shape.Problem}.{note}";
            return body || _rpc!.IsAnsweredBy(shape.Id) ? problem : Remember(shape.Problem!);
        }

        if (shape.KeysEscaped)
        {
            // A key written with escapes may be "id" or "result" in disguise: the SDK reads it; what it makes of it stands.
            return null;
        }

        if (!shape.IsObject)
        {
            return body ? $"{answer} is JSON but not a JSON-RPC message (not an object).{note}" : Remember("an event is JSON but not a JSON-RPC message");
        }

        if (shape.IsReply)
        {
            if (_rpc!.IsAnsweredBy(shape.Id))
            {
                _replySeen = true;
                return null;
            }

            if (body)
            {
                return shape.Id is null or "null"
                    ? $"{answer} is a reply that names no request (id {shape.Id ?? "missing"}), not a reply to this one (id {Show(_rpc.Id)}).{note}"
                    : $"{answer} is a reply to another request (id {Show(shape.Id)}), not to this one (id {Show(_rpc.Id)}).{note}";
            }

            if (_otherReplies.Count < 3)
            {
                _otherReplies.Add(Show(shape.Id ?? "missing"));
            }

            return null;
        }

        if (body)
        {
            return shape.HasMethod
                ? $"{answer} is a request or notification of its own, not a reply.{note}"
                : $"{answer} is a JSON object that is no JSON-RPC message (no result, error or method).{note}";
        }

        return null;
    }

    private string? Remember(string problem)
    {
        _firstProblem ??= $"an event is not valid JSON ({problem})";
        return null;
    }

    private static string Show(string? id) => Diagnostics.ServerText.ForTerminal(id, 80);

    /// <summary>The event stream, byte by byte outside the data (which goes to the scanner in runs).</summary>
    private void TakeEvents(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (_line == Line.Data)
            {
                // A run of data up to the end of its line (or of this chunk) in one go.
                var run = data[i..];
                var end = run.IndexOfAny((byte)'\r', (byte)'\n');
                var length = end < 0 ? run.Length : end;
                Count(length);
                if (length > 0)
                {
                    _lineHasBytes = true;
                    _eventDataBytes += length;
                    if (_rpc is not null)
                    {
                        _scanner.Feed(run[..length]);
                    }

                    _message?.Append(run[..length]);
                }

                i += length;
                if (end < 0)
                {
                    break;
                }
            }

            var b = data[i++];
            Count(1);
            if (_lastWasCarriageReturn)
            {
                _lastWasCarriageReturn = false;
                if (b == '\n')
                {
                    continue;
                }
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                _lastWasCarriageReturn = b == '\r';
                EndLine();
                continue;
            }

            _lineHasBytes = true;
            switch (_line)
            {
                case Line.FieldName:
                    if (b == ':')
                    {
                        if (FieldIs("data"u8))
                        {
                            _line = StartData();
                            break;
                        }

                        _line = FieldIs("id"u8) ? Line.IdStart : Line.Other;
                        KeepOtherLine(_field.AsSpan(0, _fieldLength));
                        KeepOtherLine([b]);
                    }
                    else if (_fieldLength < _field.Length)
                    {
                        _field[_fieldLength++] = b;
                    }
                    else
                    {
                        // Longer than any field read here: kept as it is.
                        _line = Line.Other;
                        KeepOtherLine(_field);
                        KeepOtherLine([b]);
                    }

                    break;
                case Line.DataStart:
                    // One space after the colon is not part of the value.
                    _line = Line.Data;
                    if (b != ' ')
                    {
                        i--;
                        Uncount(1);
                    }

                    break;
                case Line.IdStart or Line.Id:
                    if (_line == Line.Id || b != ' ')
                    {
                        _eventIdSeen |= b != 0;
                    }

                    _line = Line.Id;
                    KeepOtherLine([b]);
                    break;
                default:
                    KeepOtherLine([b]);
                    break;
            }
        }
    }

    private bool FieldIs(ReadOnlySpan<byte> name) => _field.AsSpan(0, _fieldLength).SequenceEqual(name);

    /// <summary>A data line begins: lines of one event are joined by a line feed (whitespace to JSON).</summary>
    private Line StartData()
    {
        if (_dataLines++ > 0)
        {
            if (_rpc is not null)
            {
                _scanner.Feed("\n"u8);
            }

            _message?.Append("\n"u8);
        }

        return Line.DataStart;
    }

    private void KeepOtherLine(ReadOnlySpan<byte> bytes) => _otherLines?.Write(bytes);

    private void EndLine()
    {
        if (!_lineHasBytes)
        {
            EndEvent();
        }
        else if (_line == Line.FieldName && FieldIs("data"u8))
        {
            // "data" alone: a data line with an empty value.
            StartData();
        }
        else if (_line == Line.FieldName)
        {
            // A field name without a colon (a field with an empty value).
            KeepOtherLine(_field.AsSpan(0, _fieldLength));
            KeepOtherLine("\n"u8);
        }
        else if (_line is not (Line.Data or Line.DataStart))
        {
            KeepOtherLine("\n"u8);
        }

        _line = Line.FieldName;
        _fieldLength = 0;
        _lineHasBytes = false;
    }

    private void EndEvent()
    {
        McpMessageShape? shape = null;
        if (_eventDataBytes > 0)
        {
            _events++;
            shape = _scanner.End();
            if (_rpc is not null && Judge(shape.Value, body: false) is { } problem)
            {
                throw McpGatewayException.MalformedReply(problem, _uri);
            }
        }
        else if (_dataLines > 0 && _rpc is not null)
        {
            _scanner.End();
        }

        if (_message is not null)
        {
            ReadyEvent(shape);
        }

        _eventBytes = 0;
        _eventDataBytes = 0;
        _dataLines = 0;
    }

    /// <summary>The event that just ended, for the SDK: its other lines, then its data (the reply with its result taken out, when it is ours).</summary>
    private void ReadyEvent(McpMessageShape? shape)
    {
        var output = new ArrayBufferWriter<byte>(_otherLines!.WrittenCount + 16);
        output.Write(_otherLines.WrittenSpan);
        _otherLines.Clear();
        if (_dataLines > 0)
        {
            output.Write("data: "u8);
            if (shape is { IsValid: true, HasResult: true } s && _rpc!.IsAnsweredBy(s.Id))
            {
                var message = _message!.ToArray();
                if (Offload(s, message) is { } replacement)
                {
                    output.Write(replacement);
                }
                else
                {
                    WriteLines(output, message, "\ndata: "u8);
                }
            }
            else
            {
                // The data lines as they came: "data: " before each, a line feed after each.
                _message!.WriteLinesTo(output, "\ndata: "u8);
            }

            output.Write("\n"u8);
        }

        _message!.Clear();
        output.Write("\n"u8);
        _ready.Enqueue(output.WrittenMemory);
    }

    /// <summary>Writes <paramref name="bytes"/>, each line feed replaced by <paramref name="separator"/>.</summary>
    private static void WriteLines(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> separator)
    {
        while (bytes.IndexOf((byte)'\n') is var lf and >= 0)
        {
            output.Write(bytes[..lf]);
            output.Write(separator);
            bytes = bytes[(lf + 1)..];
        }

        output.Write(bytes);
    }

    private void Count(long bytes)
    {
        _eventBytes += bytes;
        if (_eventBytes > _limit)
        {
            throw McpResponseGuard.TooLarge(_uri, _what, _limit, eventOfStream: true);
        }
    }

    private void Uncount(long bytes) => _eventBytes -= bytes;

    /// <summary>
    /// A message's bytes in pooled chunks while it arrives (no doubling, no copy but the final one), then one array
    /// of exactly its size; with a known length, that array from the start.
    /// </summary>
    private sealed class Segments(long? expected)
    {
        private const int ChunkSize = 64 * 1024;
        private readonly List<byte[]> _chunks = [];
        private byte[]? _exact = expected is > 0 and <= int.MaxValue ? GC.AllocateUninitializedArray<byte>((int)expected.Value) : null;
        private int _lastUsed;

        public long Length { get; private set; }

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_exact is not null && Length + data.Length <= _exact.Length)
            {
                data.CopyTo(_exact.AsSpan((int)Length));
                Length += data.Length;
                return;
            }

            if (_exact is not null)
            {
                // More than announced: the chunks take over.
                var written = _exact.AsSpan(0, (int)Length).ToArray();
                _exact = null;
                Length = 0;
                _lastUsed = 0;
                Append(written);
            }

            while (!data.IsEmpty)
            {
                if (_chunks.Count == 0 || _lastUsed == ChunkSize)
                {
                    _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                    _lastUsed = 0;
                }

                var n = Math.Min(ChunkSize - _lastUsed, data.Length);
                data[..n].CopyTo(_chunks[^1].AsSpan(_lastUsed));
                _lastUsed += n;
                Length += n;
                data = data[n..];
            }
        }

        /// <summary>The bytes as one array of exactly their length; the chunks go back to the pool.</summary>
        public byte[] ToArray()
        {
            if (_exact is not null && Length == _exact.Length)
            {
                var exact = _exact;
                _exact = null;
                Length = 0;
                return exact;
            }

            var result = GC.AllocateUninitializedArray<byte>(checked((int)Length));
            var offset = 0;
            foreach (var memory in Spans())
            {
                memory.Span.CopyTo(result.AsSpan(offset));
                offset += memory.Length;
            }

            Clear();
            return result;
        }

        /// <summary>Writes the bytes, each line feed replaced by <paramref name="separator"/>.</summary>
        public void WriteLinesTo(IBufferWriter<byte> output, ReadOnlySpan<byte> separator)
        {
            foreach (var memory in Spans())
            {
                WriteLines(output, memory.Span, separator);
            }
        }

        public void Clear()
        {
            foreach (var chunk in _chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            _chunks.Clear();
            _lastUsed = 0;
            _exact = null;
            Length = 0;
        }

        private IEnumerable<ReadOnlyMemory<byte>> Spans()
        {
            if (_exact is not null)
            {
                yield return _exact.AsMemory(0, (int)Length);
                yield break;
            }

            for (var i = 0; i < _chunks.Count; i++)
            {
                yield return _chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _lastUsed : ChunkSize);
            }
        }
    }
}
