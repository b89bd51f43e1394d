using System.Globalization;
using System.Text.Json;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// The fields of a token endpoint's success response that matter here. Expiry fields are kept
/// as sent (their text) and read by <see cref="TokenExpiry"/>. <see cref="ToString"/> shows no token.
/// </summary>
internal sealed class TokenResponse
{
    public required string AccessToken { get; init; }

    public string? IdToken { get; init; }

    /// <summary>The <c>expires_in</c> value as sent (seconds), or null.</summary>
    public string? ExpiresIn { get; init; }

    /// <summary>The <c>expires_at</c> value as sent (epoch seconds or ISO-8601), or null.</summary>
    public string? ExpiresAt { get; init; }

    public string? TokenType { get; init; }

    /// <summary>How many HTTP attempts the request took (retries included).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Why each retried attempt failed (an HTTP status or a connection error), in order; empty when the first attempt answered.</summary>
    public IReadOnlyList<string> RetryCauses { get; init; } = [];

    /// <summary>Reads a success body; null when it is not a JSON object with a string <c>access_token</c> (<paramref name="fields"/> then lists the field names seen).</summary>
    public static TokenResponse? TryParse(string json, out IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(json);
        fields = [];
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            fields = [.. root.EnumerateObject().Select(p => p.Name)];
            var access = Text(root, "access_token");
            return string.IsNullOrEmpty(access)
                ? null
                : new TokenResponse
                {
                    AccessToken = access,
                    IdToken = Text(root, "id_token"),
                    ExpiresIn = Text(root, "expires_in"),
                    ExpiresAt = Text(root, "expires_at"),
                    TokenType = Text(root, "token_type"),
                };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"token response {Tokens.AccessToken.FingerprintOf(AccessToken)} (expires_in={ExpiresIn ?? "-"}, expires_at={ExpiresAt ?? "-"}, id_token={(IdToken is null ? "no" : "yes")})");
}
