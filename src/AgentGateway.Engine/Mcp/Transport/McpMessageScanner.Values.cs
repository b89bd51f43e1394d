using System.Globalization;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>What the grammar does with a value: numbers and words ended, strings and containers opened and closed, the top-level keys and id captured, failures worded.</summary>
internal sealed partial class McpMessageScanner
{
    /// <summary>A '.', an exponent or the end of a number (the byte then belongs to what follows).</summary>
    private bool NumberTail(byte b, long position)
    {
        if (b == '.' && _state is State.Zero or State.Integer)
        {
            NumberByte(b, State.Dot);
            return true;
        }

        if (b is (byte)'e' or (byte)'E')
        {
            NumberByte(b, State.Exponent);
            return true;
        }

        if (IsLetter(b))
        {
            return Fail($"a number runs into {Show(b)} at byte {position}");
        }

        EndValue();
        return false;
    }

    private void NumberByte(byte b, State next)
    {
        Capture(b);
        _state = next;
    }

    private void StartValue(byte b, long position)
    {
        var atTop = _depth == 1 && _isObject[0];
        if (atTop)
        {
            switch (_currentKey)
            {
                case TopKey.Method:
                    _hasMethod = true;
                    break;
                case TopKey.Result:
                    _hasReply = true;
                    _hasResult = true;
                    break;
                case TopKey.Error:
                    _hasReply = true;
                    break;
                case TopKey.Id:
                    _idSeen = true;
                    _idLength = 0;
                    _capturingId = b is not ((byte)'{' or (byte)'[');
                    if (!_capturingId)
                    {
                        CaptureText(b == '{' ? "{…}" : "[…]");
                    }

                    break;
            }
        }

        _sawAnything = true;
        switch (b)
        {
            case (byte)'{':
                Open(isObject: true, position);
                break;
            case (byte)'[':
                Open(isObject: false, position);
                break;
            case (byte)'"':
                Capture(b);
                _inKey = false;
                _state = State.String;
                break;
            case (byte)'-':
                NumberByte(b, State.Minus);
                break;
            case (byte)'0':
                NumberByte(b, State.Zero);
                break;
            case >= (byte)'1' and <= (byte)'9':
                NumberByte(b, State.Integer);
                break;
            default:
                if (IsLetter(b))
                {
                    _word.Clear().Append((char)b);
                    _state = State.Word;
                    break;
                }

                Fail($"a value was expected at byte {position}, not {Show(b)}");
                break;
        }
    }

    private void FinishWord(long position)
    {
        var word = _word.ToString();
        switch (word)
        {
            case "true" or "false" or "null":
                if (_capturingId)
                {
                    CaptureText(word);
                }

                EndValue();
                return;
            case var _ when word.TrimStart('-') is "Infinity" or "NaN":
                Fail($"it holds a bare {word} at byte {position - word.Length} (JSON has no Infinity or NaN)");
                return;
            default:
                Fail($"it holds the unquoted word '{word}{(word.Length >= MaxWordLength ? "…" : string.Empty)}' at byte {position - word.Length}");
                return;
        }
    }

    private void EndString()
    {
        if (_inKey)
        {
            _inKey = false;
            if (_depth == 1 && _isObject[0])
            {
                _currentKey = _keyUnusable ? TopKey.Other : _keyLength switch
                {
                    2 when _key.AsSpan(0, 2).SequenceEqual("id"u8) => TopKey.Id,
                    6 when _key.AsSpan(0, 6).SequenceEqual("method"u8) => TopKey.Method,
                    6 when _key.AsSpan(0, 6).SequenceEqual("result"u8) => TopKey.Result,
                    5 when _key.AsSpan(0, 5).SequenceEqual("error"u8) => TopKey.Error,
                    _ => TopKey.Other,
                };
            }

            _state = State.Colon;
            return;
        }

        Capture((byte)'"');
        EndValue();
    }

    /// <summary>A value ended (a scalar, or a container closed).</summary>
    private void EndValue()
    {
        _capturingId = false;
        _state = _depth == 0 ? State.Done : State.AfterValue;
    }

    private void Open(bool isObject, long position)
    {
        if (_depth == _maxDepth)
        {
            _tooDeep = true;
            Fail(string.Create(CultureInfo.InvariantCulture, $"it nests objects and arrays deeper than {_maxDepth} levels (at byte {position})"));
            return;
        }

        if (_depth == 0)
        {
            _rootIsObject = isObject;
        }

        _isObject[_depth++] = isObject;
        _state = isObject ? State.KeyOrObjectEnd : State.ValueOrArrayEnd;
    }

    private void Close()
    {
        _depth--;
        if (_depth == 1 && _isObject[0])
        {
            _currentKey = TopKey.Other;
        }

        EndValue();
    }

    /// <summary>Keeps a byte of a top-level key or of the id, within their small buffers.</summary>
    private void Capture(byte b)
    {
        if (_inKey)
        {
            if (_depth == 1 && _isObject[0])
            {
                // A key with an escape, or longer than the buffer, is none of the few read here.
                if (b == '\\' || _keyLength == _key.Length)
                {
                    _keysEscaped |= b == '\\';
                    _keyUnusable = true;
                }
                else
                {
                    _key[_keyLength++] = b;
                }
            }

            return;
        }

        if (_capturingId && _idLength < MaxIdBytes)
        {
            _id[_idLength++] = b;
        }
    }

    private void CaptureText(string text)
    {
        foreach (var c in text)
        {
            if (_idLength < MaxIdBytes && c < 0x80)
            {
                _id[_idLength++] = (byte)c;
            }
        }
    }

    private bool Fail(string problem)
    {
        _problem ??= problem;
        _capturingId = false;
        return true;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsLetter(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z';

    private static string Show(byte b) => b is >= 0x21 and < 0x7F ? $"'{(char)b}'" : $"byte 0x{b:X2}";

    private static string ShowChar(byte b) => b is >= 0x21 and < 0x7F ? ((char)b).ToString() : $"0x{b:X2}";
}
