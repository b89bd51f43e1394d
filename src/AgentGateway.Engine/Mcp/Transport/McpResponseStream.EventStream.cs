using System.Buffers;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>The event stream of an answer: split into lines, fields and events as the SSE format has them, each event counted and its data scanned.</summary>
internal sealed partial class McpResponseStream
{
    // The event stream: where in the line and the event the last byte left off.
    private readonly byte[] _field = new byte[5];
    private int _fieldLength;
    private Line _line;
    private bool _lineHasBytes;
    private bool _lastWasCarriageReturn;
    private long _eventBytes;
    private long _eventDataBytes;
    private int _dataLines;

    private enum Line
    {
        FieldName,
        DataStart,
        Data,
        IdStart,
        Id,
        Other,
    }

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
            if (shape is { IsValid: true, IsReply: true } s && _rpc!.IsAnsweredBy(s.Id))
            {
                var message = _message!.Detach();
                if (Offload(s, message) is { } replacement)
                {
                    output.Write(replacement);
                }
                else
                {
                    McpMessageSegments.WriteLines(output, message.Span, "\ndata: "u8);
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

    private void Count(long bytes)
    {
        _eventBytes += bytes;
        if (_eventBytes > _limit)
        {
            throw McpResponseGuard.TooLarge(_uri, _what, _limit, eventOfStream: true);
        }
    }

    private void Uncount(long bytes) => _eventBytes -= bytes;
}
