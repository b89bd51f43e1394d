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

    /// <summary>Unwraps PSObjects and turns PSCustomObjects and dictionaries into string-keyed dictionaries, recursively.</summary>
    public static object? FromPowerShell(object? value, int depth = 0)
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
                    properties[property.Name] = FromPowerShell(property.Value, depth + 1);
                }

                return properties;
            case PSObject wrapped:
                return FromPowerShell(wrapped.BaseObject, depth + 1);
            case string or JsonElement:
                return value;
            case IDictionary dictionary:
                var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    entries[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty] = FromPowerShell(entry.Value, depth + 1);
                }

                return entries;
            case IEnumerable sequence:
                var items = new List<object?>();
                foreach (var item in sequence)
                {
                    items.Add(FromPowerShell(item, depth + 1));
                }

                return items;
            default:
                return value;
        }
    }

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
