using System.Collections;
using System.Collections.Frozen;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Text.Json;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The PowerShell edge of JSON: values a user passes (hashtables, ordered dictionaries,
/// PSCustomObjects, PSObject-wrapped values) become plain .NET graphs the engine serializes, and
/// JSON the engine returns becomes PSCustomObjects, as ConvertFrom-Json would make them.
/// </summary>
internal static class PowerShellJson
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Unwraps PSObjects and turns PSCustomObjects and dictionaries into string-keyed dictionaries, recursively.
    /// A value that is not data (a scriptblock, a process, a pointer, a stream, ...) is an <see cref="ArgumentException"/>
    /// naming its property path.
    /// </summary>
    public static object? FromPowerShell(object? value, int depth = 0, string path = "")
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"Arguments nest deeper than {MaxDepth} levels; is there a cycle?");
        }

        switch (value)
        {
            case null:
                return null;
            case PSObject { BaseObject: PSCustomObject } custom:
                var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in custom.Properties)
                {
                    properties[property.Name] = FromPowerShell(property.Value, depth + 1, Member(path, property.Name));
                }

                return properties;
            case PSObject wrapped:
                return FromPowerShell(wrapped.BaseObject, depth + 1, path);
            case string or JsonElement:
                return value;
            case IDictionary dictionary:
                var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                    entries[key] = FromPowerShell(entry.Value, depth + 1, Member(path, key));
                }

                return entries;
            case IEnumerable sequence when !IsNotData(value):
                var items = new List<object?>();
                foreach (var item in sequence)
                {
                    items.Add(FromPowerShell(item, depth + 1, $"{path}[{items.Count}]"));
                }

                return items;
            default:
                return IsNotData(value)
                    ? throw new ArgumentException(
                        $"-Arguments {(path.Length == 0 ? "is" : $"property '{path}' is")} a {value.GetType().Name}, which is not data and cannot be sent. " +
                        "Pass its value instead: a string, a number, a boolean, a date, an array, a hashtable or a PSCustomObject (for a scriptblock, call it: & { ... }).")
                    : value;
        }
    }

    private static string Member(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>Live objects and code, which have no JSON form: what a user passes by mistake (a scriptblock, Get-Process output, a handle).</summary>
    private static bool IsNotData(object value) => value is ScriptBlock or Delegate or System.Diagnostics.Process or Stream
        or IntPtr or UIntPtr or System.Reflection.Pointer or System.Reflection.MemberInfo or Task or WaitHandle or System.Runtime.InteropServices.SafeHandle
        or CancellationToken or System.Management.Automation.Runspaces.Runspace or PowerShell;

    /// <summary>
    /// JSON as PowerShell objects, as ConvertFrom-Json makes them, for any JSON a server sends: objects become
    /// PSCustomObjects, arrays object[], numbers Int32, Int64, BigInteger (a larger integer) or Double (±Infinity beyond
    /// its range). An object whose names PowerShell cannot hold as properties (an empty name, names that differ only in
    /// case, a reserved name such as psobject) becomes an ordered dictionary with case-sensitive keys, as
    /// ConvertFrom-Json -AsHashtable makes it. A name given twice keeps its last value. Never throws for a value the
    /// SDK could parse (nesting is bounded by its reader, 64 levels).
    /// </summary>
    public static object? ToPowerShell(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return ToObject(element);
            case JsonValueKind.Array:
                var items = new object?[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[i++] = ToPowerShell(item);
                }

                return items;
            case JsonValueKind.String:
                return ReadString(element);
            case JsonValueKind.Number:
                return ToNumber(element);
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    private static object ToObject(JsonElement element)
    {
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var ignoringCase = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var asProperties = true;
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (name.Length == 0 || s_reservedNames.Contains(name) || (!ignoringCase.Add(name) && exact.Add(name)))
            {
                asProperties = false;
                break;
            }

            exact.Add(name);
        }

        if (!asProperties)
        {
            var dictionary = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                dictionary[property.Name] = ToPowerShell(property.Value);
            }

            return dictionary;
        }

        var result = new PSObject();
        foreach (var property in element.EnumerateObject())
        {
            var value = ToPowerShell(property.Value);
            if (result.Properties[property.Name] is { } earlier)
            {
                earlier.Value = value;
                continue;
            }

            result.Properties.Add(new PSNoteProperty(property.Name, value));
        }

        return result;
    }

    /// <summary>Member names PowerShell reserves on every object (adding one as a property throws).</summary>
    private static readonly FrozenSet<string> s_reservedNames =
        new[] { "psobject", "psbase", "psadapted", "psextended", "pstypenames" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static object ToNumber(JsonElement element)
    {
        if (element.TryGetInt32(out var i32))
        {
            return i32;
        }

        if (element.TryGetInt64(out var i64))
        {
            return i64;
        }

        var raw = element.GetRawText();
        if (!raw.AsSpan().TrimStart('-').ContainsAnyExcept("0123456789") &&
            BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            return big;
        }

        // Beyond a double's range: ±Infinity, or 0 for a tiny magnitude (what ConvertFrom-Json gives too).
        return element.TryGetDouble(out var d) ? d : double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>A string; one whose escapes are not valid UTF-16 (a lone surrogate) read as sent rather than an exception.</summary>
    private static string ReadString(JsonElement element) => Engine.Mcp.JsonStrings.Read(element);

    public static object? ToPowerShell(JsonElement? element) => element is { } e ? ToPowerShell(e) : null;
}
