using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentGateway.Engine.Mcp;

/// <summary>Strings of JSON a server sent, read whatever they hold.</summary>
internal static class JsonStrings
{
    /// <summary>
    /// The string <paramref name="value"/> holds. One whose escapes are not valid UTF-16 (a lone surrogate such as
    /// <c>\ud800</c>, which System.Text.Json refuses to read) is unescaped here instead, the lone surrogate kept as the
    /// char it names: the data as sent, never an exception.
    /// </summary>
    public static string Read(JsonElement value)
    {
        try
        {
            return value.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return Unescape(value.GetRawText());
        }
    }

    /// <summary>A JSON string literal (with its quotes) unescaped, without checking surrogate pairs.</summary>
    internal static string Unescape(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            if (c != '\\' || i + 1 >= literal.Length - 1)
            {
                text.Append(c);
                continue;
            }

            c = literal[++i];
            switch (c)
            {
                case 'b':
                    text.Append('\b');
                    break;
                case 'f':
                    text.Append('\f');
                    break;
                case 'n':
                    text.Append('\n');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case 't':
                    text.Append('\t');
                    break;
                case 'u' when i + 4 < literal.Length && int.TryParse(literal.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    i += 4;
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.ToString();
    }
}
