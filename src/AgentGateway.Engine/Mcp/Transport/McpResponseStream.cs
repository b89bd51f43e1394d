using System.Buffers;

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
/// memory once (UTF-8, in the array <see cref="McpMessageSegments"/> collected it in, a large one not copied again),
/// not as the SDK's string and node and a copy of ours, and it is read as sent (the SDK's node
/// could not even be written out again with a lone surrogate escape in a string). An error reply of 1 MB or more
/// goes the same way (its code and message into the slot, a stand-in with the same id and code to the SDK; see
/// <c>Offload</c>). Anything else passes unchanged
/// (an event in the canonical form of its fields). Without a slot the bytes pass through as they are read.
/// </para>
/// </summary>
internal sealed partial class McpResponseStream : ReadOnlyStream
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

    // Whole messages (with a slot): the JSON body or the event's data, the event's other lines, what is ready to read.
    private readonly McpMessageSegments? _message;
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
            _message = new McpMessageSegments(mode == Mode.Json ? declaredLength : null, limit);
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
}
