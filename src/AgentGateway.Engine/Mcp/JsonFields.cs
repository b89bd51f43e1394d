using System.Text.Json;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// Members of a JSON object a server sent, read leniently: a member that is missing, or not of its type, or an element
/// that is no object, is null (never an exception), so one malformed field spoils only itself.
/// </summary>
internal static class JsonFields
{
    /// <summary>A string member, as sent (see <see cref="JsonStrings.Read"/>), or null.</summary>
    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? JsonStrings.Read(value) : null;

    /// <summary>A boolean member, or null.</summary>
    public static bool? Flag(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>An integer member that fits a long, or null.</summary>
    public static long? Int64(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    /// <summary>An object member, or the default element (whose kind is Undefined).</summary>
    public static JsonElement Object(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    /// <summary>The items of an array member; none when it is missing or no array.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
