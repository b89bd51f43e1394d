namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>The JSON grammar, one byte at a time: the state machine that <see cref="Feed"/> drives.</summary>
internal sealed partial class McpMessageScanner
{
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
}
