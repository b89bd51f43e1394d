using System.Buffers;
using System.Globalization;
using System.Text;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Reads one JSON-RPC message as it streams by, keeping nothing of it: checks that it is JSON (the grammar,
/// at most <see cref="MaxDepth"/> nested objects and arrays, as the SDK's reader allows (or the depth given for a
/// message the module reads itself: <see cref="OffloadedMaxDepth"/>); no bare <c>Infinity</c> or
/// <c>NaN</c>) and notes its top-level <c>id</c> and whether it is a reply. <see cref="Feed"/> takes the bytes in
/// any chunks; <see cref="End"/> ends the message and tells its <see cref="McpMessageShape"/>. One pass, no buffer
/// but a few bytes of the top-level keys and the id: the answer's size does not matter. Not thread-safe.
/// </summary>
internal sealed class McpMessageScanner
{
    /// <summary>The deepest nesting the SDK's JSON reader accepts (System.Text.Json's default).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The deepest nesting of a reply whose result the module reads itself, not the SDK (a tools/list page): its tool
    /// entries are then judged one by one, so one entry nested too deep for the SDK spoils only that tool.
    /// </summary>
    public const int OffloadedMaxDepth = 1024;

    private const int MaxIdBytes = 128;
    private const int MaxWordLength = 16;

    // Inside a string, only these stop the fast scan: its end, an escape, a control character (not allowed raw).
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    private readonly bool[] _isObject;
    private readonly int _maxDepth;
    private readonly byte[] _key = new byte[8];
    private readonly byte[] _id = new byte[MaxIdBytes];
    private readonly StringBuilder _word = new(MaxWordLength);

    private State _state;
    private long _position;
    private int _depth;
    private int _unicodeLeft;
    private bool _inKey;
    private int _keyLength;
    private bool _keyUnusable;
    private bool _keysEscaped;
    private TopKey _currentKey;
    private bool _capturingId;
    private int _idLength;
    private bool _idSeen;
    private bool _sawAnything;
    private bool _rootIsObject;
    private bool _hasMethod;
    private bool _hasReply;
    private bool _hasResult;
    private string? _problem;
    private bool _tooDeep;

    /// <param name="maxDepth">The deepest nesting accepted (<see cref="MaxDepth"/> for a message the SDK reads).</param>
    public McpMessageScanner(int maxDepth = MaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        _maxDepth = maxDepth;
        _isObject = new bool[maxDepth];
    }

    private enum State
    {
        Value,
        ValueOrArrayEnd,
        KeyOrObjectEnd,
        Key,
        Colon,
        AfterValue,
        Done,
        String,
        Escape,
        Unicode,
        Minus,
        Zero,
        Integer,
        Dot,
        Fraction,
        Exponent,
        ExponentSign,
        ExponentDigits,
        Word,
    }

    private enum TopKey
    {
        Other,
        Id,
        Method,
        Result,
        Error,
    }

    /// <summary>Bytes read so far in this message.</summary>
    public long Length => _position;

    /// <summary>Takes the next bytes of the message.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _problem is null)
        {
            if (_state == State.String && !_capturingId && !(_inKey && _depth == 1))
            {
                var stop = data[i..].IndexOfAny(s_stringStops);
                if (stop < 0)
                {
                    break;
                }

                i += stop;
            }

            var b = data[i];
            var position = _position + i;
            while (!Step(b, position))
            {
                // Step ended a number or a word on this byte without taking it: the next state takes it.
            }

            i++;
        }

        _position += data.Length;
    }

    /// <summary>Ends the message: what it was. The scanner is ready for the next message after this.</summary>
    public McpMessageShape End()
    {
        if (_problem is null)
        {
            switch (_state)
            {
                case State.Zero or State.Integer or State.Fraction or State.ExponentDigits:
                    EndValue();
                    break;
                case State.Word:
                    FinishWord(_position);
                    break;
            }
        }

        if (_problem is null && _state != State.Done)
        {
            _problem = _sawAnything
                ? string.Create(CultureInfo.InvariantCulture, $"it ends in the middle of the JSON, after {_position} bytes")
                : "it is empty";
        }

        var shape = new McpMessageShape(
            _problem,
            _tooDeep,
            _rootIsObject,
            _hasMethod,
            _hasReply && !_hasMethod,
            _idSeen ? Encoding.UTF8.GetString(_id, 0, _idLength) + (_idLength == MaxIdBytes ? "…" : string.Empty) : null,
            _keysEscaped,
            _hasResult);
        Reset();
        return shape;
    }

    private void Reset()
    {
        _state = State.Value;
        _position = 0;
        _depth = 0;
        _unicodeLeft = 0;
        _inKey = false;
        _keyLength = 0;
        _keyUnusable = false;
        _keysEscaped = false;
        _currentKey = TopKey.Other;
        _capturingId = false;
        _idLength = 0;
        _idSeen = false;
        _sawAnything = false;
        _rootIsObject = false;
        _hasMethod = false;
        _hasReply = false;
        _hasResult = false;
        _problem = null;
        _tooDeep = false;
        _word.Clear();
    }

    /// <summary>One byte in the current state; false when the byte ended a number or word and must be taken again.</summary>
    private bool Step(byte b, long position)
    {
        switch (_state)
        {
            case State.Value or State.ValueOrArrayEnd:
                if (IsWhitespace(b))
                {
                    return true;
                }

                if (_state == State.ValueOrArrayEnd && b == ']')
                {
                    Close();
                    return true;
                }

                StartValue(b, position);
                return true;

            case State.KeyOrObjectEnd or State.Key:
                if (IsWhitespace(b))
                {
                    return true;
                }

                if (_state == State.KeyOrObjectEnd && b == '}')
                {
                    Close();
                    return true;
                }

                if (b != '"')
                {
                    return Fail($"a property name was expected at byte {position}, not {Show(b)}");
                }

                _inKey = true;
                _keyLength = 0;
                _keyUnusable = false;
                _state = State.String;
                return true;

            case State.Colon:
                if (IsWhitespace(b))
                {
                    return true;
                }

                if (b != ':')
                {
                    return Fail($"':' was expected at byte {position}, not {Show(b)}");
                }

                _state = State.Value;
                return true;

            case State.AfterValue:
                if (IsWhitespace(b))
                {
                    return true;
                }

                var inObject = _isObject[_depth - 1];
                switch (b)
                {
                    case (byte)',':
                        _state = inObject ? State.Key : State.Value;
                        return true;
                    case (byte)'}' or (byte)']':
                        if ((b == '}') != inObject)
                        {
                            return Fail($"{Show(b)} at byte {position} closes {(inObject ? "an object" : "an array")}");
                        }

                        Close();
                        return true;
                    default:
                        return Fail($"',' or the end of {(inObject ? "the object" : "the array")} was expected at byte {position}, not {Show(b)}");
                }

            case State.Done:
                return IsWhitespace(b) || Fail($"more JSON follows the message at byte {position} ({Show(b)})");

            case State.String:
                switch (b)
                {
                    case (byte)'"':
                        EndString();
                        return true;
                    case (byte)'\\':
                        Capture(b);
                        _state = State.Escape;
                        return true;
                    case < 0x20:
                        return Fail($"a raw control character (0x{b:X2}) is inside a string at byte {position}");
                    default:
                        Capture(b);
                        return true;
                }

            case State.Escape:
                if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                {
                    Capture(b);
                    _state = State.String;
                    return true;
                }

                if (b == 'u')
                {
                    Capture(b);
                    _unicodeLeft = 4;
                    _state = State.Unicode;
                    return true;
                }

                return Fail($"an invalid escape '\\{ShowChar(b)}' is in a string at byte {position}");

            case State.Unicode:
                if (!char.IsAsciiHexDigit((char)b))
                {
                    return Fail($"an invalid \\u escape is in a string at byte {position}");
                }

                Capture(b);
                if (--_unicodeLeft == 0)
                {
                    _state = State.String;
                }

                return true;

            case State.Minus:
                if (b == '0')
                {
                    NumberByte(b, State.Zero);
                    return true;
                }

                if (IsDigit(b))
                {
                    NumberByte(b, State.Integer);
                    return true;
                }

                if (IsLetter(b))
                {
                    // -Infinity
                    _word.Clear().Append('-').Append((char)b);
                    _state = State.Word;
                    return true;
                }

                return Fail($"a number is malformed at byte {position}");

            case State.Zero or State.Integer:
                if (IsDigit(b))
                {
                    if (_state == State.Zero)
                    {
                        return Fail($"a number has a leading zero at byte {position}");
                    }

                    NumberByte(b, State.Integer);
                    return true;
                }

                return NumberTail(b, position);

            case State.Dot:
                if (!IsDigit(b))
                {
                    return Fail($"a number has no digit after its '.' at byte {position}");
                }

                NumberByte(b, State.Fraction);
                return true;

            case State.Fraction:
                if (IsDigit(b))
                {
                    NumberByte(b, State.Fraction);
                    return true;
                }

                return NumberTail(b, position);

            case State.Exponent:
                if (b is (byte)'+' or (byte)'-')
                {
                    NumberByte(b, State.ExponentSign);
                    return true;
                }

                if (IsDigit(b))
                {
                    NumberByte(b, State.ExponentDigits);
                    return true;
                }

                return Fail($"a number has no digit in its exponent at byte {position}");

            case State.ExponentSign:
                if (!IsDigit(b))
                {
                    return Fail($"a number has no digit in its exponent at byte {position}");
                }

                NumberByte(b, State.ExponentDigits);
                return true;

            case State.ExponentDigits:
                if (IsDigit(b))
                {
                    NumberByte(b, State.ExponentDigits);
                    return true;
                }

                EndValue();
                return false;

            case State.Word:
                if (IsLetter(b))
                {
                    if (_word.Length < MaxWordLength)
                    {
                        _word.Append((char)b);
                    }

                    return true;
                }

                FinishWord(position);
                return _problem is not null;

            default:
                return Fail($"unexpected {Show(b)} at byte {position}");
        }
    }

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
