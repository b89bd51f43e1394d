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
internal sealed partial class McpMessageScanner
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
}
