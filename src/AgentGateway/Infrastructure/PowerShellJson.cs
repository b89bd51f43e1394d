using System.Collections;
using System.Management.Automation;
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

    /// <summary>JSON as PowerShell objects: objects become PSCustomObjects, arrays object[], numbers Int32/Int64/Double.</summary>
    public static object? ToPowerShell(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var result = new PSObject();
                foreach (var property in element.EnumerateObject())
                {
                    result.Properties.Add(new PSNoteProperty(property.Name, ToPowerShell(property.Value)));
                }

                return result;
            case JsonValueKind.Array:
                var items = new object?[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[i++] = ToPowerShell(item);
                }

                return items;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                if (element.TryGetInt32(out var i32))
                {
                    return i32;
                }

                if (element.TryGetInt64(out var i64))
                {
                    return i64;
                }

                return element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    public static object? ToPowerShell(JsonElement? element) => element is { } e ? ToPowerShell(e) : null;
}
