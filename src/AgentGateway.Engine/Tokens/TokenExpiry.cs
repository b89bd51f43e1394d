using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace AgentGateway.Engine.Tokens;

/// <summary>Which field of the response decided a token's expiry.</summary>
internal enum TokenExpirySource
{
    ExpiresAt,
    ExpiresIn,
    AccessTokenExp,
    IdTokenExp,
    Fallback,
}

/// <summary>
/// The expiry of a fetched token.
/// </summary>
/// <param name="Source">The field that decided it.</param>
/// <param name="ReportedExpiresAt">When the token expires as reported (for the fallback: now + fallback TTL).</param>
/// <param name="ReportedLifetime">From now to <paramref name="ReportedExpiresAt"/>, never negative.</param>
/// <param name="BufferApplies">Whether the expiry buffer is subtracted (every source but the fallback).</param>
/// <param name="ServableLifetime">How long the token may be handed out: the reported lifetime less the buffer, never negative.</param>
internal readonly record struct TokenExpiryResult(
    TokenExpirySource Source,
    DateTimeOffset ReportedExpiresAt,
    TimeSpan ReportedLifetime,
    bool BufferApplies,
    TimeSpan ServableLifetime);

/// <summary>
/// Decides a token's expiry: <c>expires_at</c> (epoch seconds or ISO-8601), then <c>expires_in</c>,
/// then the <c>exp</c> of the access token (a JWT, read without validation), then the <c>exp</c> of
/// the id token, then the fallback TTL. The buffer is subtracted from the first four only.
/// A value that cannot be read (not a number, negative, not a JWT) is skipped for the next rule.
/// Rule for a lifetime shorter than the buffer: the servable lifetime is zero, never negative;
/// the token provider refuses such a token (it is never sent).
/// </summary>
internal static class TokenExpiry
{
    public static TokenExpiryResult Compute(TokenResponse response, DateTimeOffset now, TimeSpan buffer, TimeSpan fallbackTtl)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (buffer < TimeSpan.Zero)
        {
            buffer = TimeSpan.Zero;
        }

        if (TryParseExpiresAt(response.ExpiresAt, out var at))
        {
            return Reported(TokenExpirySource.ExpiresAt, at, now, buffer);
        }

        if (TryParseSeconds(response.ExpiresIn, out var seconds))
        {
            return Reported(TokenExpirySource.ExpiresIn, now + seconds, now, buffer);
        }

        if (TryReadJwtExpiry(response.AccessToken, out var exp))
        {
            return Reported(TokenExpirySource.AccessTokenExp, exp, now, buffer);
        }

        if (TryReadJwtExpiry(response.IdToken, out exp))
        {
            return Reported(TokenExpirySource.IdTokenExp, exp, now, buffer);
        }

        var fallback = fallbackTtl > TimeSpan.Zero ? fallbackTtl : TimeSpan.Zero;
        return new TokenExpiryResult(TokenExpirySource.Fallback, now + fallback, fallback, BufferApplies: false, fallback);
    }

    /// <summary>The <c>exp</c> claim of a JWT, read without validating anything.</summary>
    public static bool TryReadJwtExpiry(string? jwt, out DateTimeOffset expiry)
    {
        expiry = default;
        if (string.IsNullOrEmpty(jwt))
        {
            return false;
        }

        var parts = jwt.Split('.');
        if (parts.Length < 2 || parts[1].Length == 0)
        {
            return false;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("exp", out var exp))
            {
                return false;
            }

            double seconds;
            if (exp.ValueKind == JsonValueKind.Number)
            {
                seconds = exp.GetDouble();
            }
            else if (exp.ValueKind != JsonValueKind.String ||
                     !double.TryParse(exp.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
            {
                return false;
            }

            return TryFromEpoch(seconds, out expiry);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }

    private static TokenExpiryResult Reported(TokenExpirySource source, DateTimeOffset expiresAt, DateTimeOffset now, TimeSpan buffer)
    {
        var lifetime = expiresAt - now;
        if (lifetime < TimeSpan.Zero)
        {
            lifetime = TimeSpan.Zero;
        }

        var servable = lifetime - buffer;
        return new TokenExpiryResult(source, expiresAt, lifetime, BufferApplies: true, servable > TimeSpan.Zero ? servable : TimeSpan.Zero);
    }

    private static bool TryParseExpiresAt(string? text, out DateTimeOffset at)
    {
        at = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch))
        {
            return TryFromEpoch(epoch, out at);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);
    }

    private static bool TryParseSeconds(string? text, out TimeSpan seconds)
    {
        seconds = default;
        if (string.IsNullOrWhiteSpace(text) ||
            !double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ||
            !double.IsFinite(value) || value < 0 || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        seconds = TimeSpan.FromSeconds(value);
        return true;
    }

    private static bool TryFromEpoch(double seconds, out DateTimeOffset at)
    {
        at = default;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > 253402300799)
        {
            return false;
        }

        at = DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(seconds);
        return true;
    }
}
