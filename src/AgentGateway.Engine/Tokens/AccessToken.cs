using System.Security.Cryptography;
using System.Text;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// A bearer token as the cache holds it. <see cref="ToString"/> never shows the value; logs and
/// output use <see cref="Fingerprint"/> (the first 8 hex digits of the value's SHA-256).
/// </summary>
internal sealed class AccessToken
{
    public AccessToken(string value, TokenKind kind, DateTimeOffset expiresOn)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
        Kind = kind;
        ExpiresOn = expiresOn;
        Fingerprint = FingerprintOf(value);
    }

    /// <summary>The secret. Only the HTTP layer and Get-AgwAccessToken read it.</summary>
    public string Value { get; }

    public TokenKind Kind { get; }

    /// <summary>When the token may no longer be sent: its reported expiry less the buffer (or the fallback TTL).</summary>
    public DateTimeOffset ExpiresOn { get; }

    public string Fingerprint { get; }

    /// <summary>The first 8 hex digits (lower case) of the SHA-256 of a secret: safe to show.</summary>
    public static string FingerprintOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }

    public override string ToString() => $"{Kind} token {Fingerprint} (expires {ExpiresOn:u})";
}
