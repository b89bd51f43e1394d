using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// Turns .NET object graphs into tool arguments the way a script author expects: dictionaries
/// (keys as strings) → objects, other enumerables (not strings) → arrays, numbers and booleans as
/// such, DateTime/DateTimeOffset → ISO-8601 strings, enums → their names, Guid/Uri/TimeSpan → strings,
/// byte[] → base64, JSON values as they are, null → null, any other object → its public properties.
/// The cmdlet layer unwraps PSObject before calling.
/// </summary>
internal static class ArgumentJson
{
    /// <summary>Deeper graphs are refused (they are almost always cycles).</summary>
    public const int MaxDepth = 64;

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> s_properties = new();
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        SkipValidation = true,

        // JSON for a JSON-RPC body, never embedded in HTML: keep "+", "<", non-ASCII as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions s_textOptions = new() { Encoder = s_writerOptions.Encoder };

    /// <summary>JSON text of a node built by <see cref="ToJsonObject"/>, escaped the same way (for -WhatIf and messages).</summary>
    public static string ToText(JsonNode? node) => node?.ToJsonString(s_textOptions) ?? "null";

    /// <summary>JSON text of <paramref name="value"/>.</summary>
    public static string Serialize(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            Write(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The tools/call <c>arguments</c> object for <paramref name="arguments"/> (an empty object when null).</summary>
    public static JsonObject ToJsonObject(IReadOnlyDictionary<string, object?>? arguments)
    {
        if (arguments is null || arguments.Count == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                WriteValue(writer, value, 1);
            }

            writer.WriteEndObject();
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>Writes <paramref name="value"/> as one JSON value.</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteValue(writer, value, 0);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"The argument value is nested more than {MaxDepth} levels deep; it probably refers to itself.");
        }

        switch (value)
        {
            case null or DBNull:
                writer.WriteNullValue();
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case int i:
                writer.WriteNumberValue(i);
                return;
            case long l:
                writer.WriteNumberValue(l);
                return;
            case double d:
                WriteDouble(writer, d);
                return;
            case char c:
                writer.WriteStringValue(c.ToString());
                return;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                return;
            case byte or sbyte or short or ushort:
                writer.WriteNumberValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                return;
            case uint ui:
                writer.WriteNumberValue(ui);
                return;
            case ulong ul:
                writer.WriteNumberValue(ul);
                return;
            case float f:
                WriteDouble(writer, f);
                return;
            case Half h:
                WriteDouble(writer, (double)h);
                return;
            case decimal m:
                writer.WriteNumberValue(m);
                return;
            case BigInteger bi:
                writer.WriteRawValue(bi.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                return;
            case Int128 or UInt128:
                writer.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture), skipInputValidation: true);
                return;
            case DateTime dt:
                writer.WriteStringValue(dt.ToString("O", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture));
                return;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                return;
            case TimeOnly time:
                writer.WriteStringValue(time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
                return;
            case TimeSpan ts:
                writer.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Guid g:
                writer.WriteStringValue(g);
                return;
            case Uri uri:
                writer.WriteStringValue(uri.OriginalString);
                return;
            case Version version:
                writer.WriteStringValue(version.ToString());
                return;
            case JsonElement element:
                if (element.ValueKind == JsonValueKind.Undefined)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    element.WriteTo(writer);
                }

                return;
            case JsonNode node:
                node.WriteTo(writer);
                return;
            case JsonDocument document:
                document.RootElement.WriteTo(writer);
                return;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                return;
            case IDictionary dictionary:
                WriteDictionary(writer, dictionary, depth);
                return;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                writer.WriteStartObject();
                foreach (var (key, item) in pairs)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item, depth + 1);
                }

                writer.WriteEndObject();
                return;
            case IEnumerable enumerable:
                writer.WriteStartArray();
                foreach (var item in enumerable)
                {
                    WriteValue(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                return;
            default:
                WriteObject(writer, value, depth);
                return;
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double d)
    {
        if (double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            // JSON has no NaN or Infinity; keep the information as a string, as ConvertTo-Json does.
            writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void WriteDictionary(Utf8JsonWriter writer, IDictionary dictionary, int depth)
    {
        writer.WriteStartObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            writer.WritePropertyName(entry.Key as string ?? Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
            WriteValue(writer, entry.Value, depth + 1);
        }

        writer.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter writer, object value, int depth)
    {
        var properties = s_properties.GetOrAdd(value.GetType(), static type => type
            .GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .ToArray());

        writer.WriteStartObject();
        foreach (var property in properties)
        {
            writer.WritePropertyName(property.Name);
            WriteValue(writer, property.GetValue(value), depth + 1);
        }

        writer.WriteEndObject();
    }
}
