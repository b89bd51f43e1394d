using AgentGateway.Engine.Tokens;

namespace AgentGateway;

/// <summary>A cached token as Get-AgwTokenCache emits it: kind, fingerprint, expiry and claims; never the token.</summary>
public sealed class AgwTokenCacheEntry
{
    private AgwTokenCacheEntry()
    {
    }

    /// <summary>System or User.</summary>
    public string Kind { get; private init; } = string.Empty;

    /// <summary>The first 8 hex digits of the token's SHA-256.</summary>
    public string Fingerprint { get; private init; } = string.Empty;

    /// <summary>When the cache stops serving it (UTC): its expiry less the buffer.</summary>
    public DateTimeOffset ExpiresAt { get; private init; }

    /// <summary>How long it will still be served.</summary>
    public TimeSpan Remaining { get; private init; }

    /// <summary>Whether it is inside its refresh window (the next call starts a background refresh).</summary>
    public bool RefreshDue { get; private init; }

    /// <summary>The token's <c>sub</c> (a JWT access token, read without validation; null for an opaque token).</summary>
    public string? Subject { get; private init; }

    /// <summary>The token's <c>iss</c>.</summary>
    public string? Issuer { get; private init; }

    /// <summary>The token's <c>aud</c> (comma-separated when several).</summary>
    public string? Audience { get; private init; }

    /// <summary>The token's <c>scope</c> or <c>scp</c> (space-separated).</summary>
    public string? Scopes { get; private init; }

    /// <summary>The token's <c>iat</c>.</summary>
    public DateTimeOffset? IssuedAt { get; private init; }

    /// <summary>The token's own <c>exp</c> (<see cref="ExpiresAt"/> is earlier, by the buffer).</summary>
    public DateTimeOffset? ExpiresOn { get; private init; }

    /// <summary>For a signed-in token: the resource it was asked for (RFC 8707).</summary>
    public string? Resource { get; private init; }

    /// <summary>For a signed-in token: the client id it was issued to.</summary>
    public string? ClientId { get; private init; }

    /// <summary>For a signed-in token: the MCP endpoint it serves.</summary>
    public Uri? Endpoint { get; private init; }

    public override string ToString() => $"{Kind} token {Fingerprint}";

    internal static AgwTokenCacheEntry From(TokenCacheEntry entry) => new()
    {
        Kind = entry.Kind.ToString(),
        Fingerprint = entry.Fingerprint,
        ExpiresAt = entry.ExpiresAt,
        Remaining = entry.Remaining,
        RefreshDue = entry.RefreshDue,
        Subject = entry.Subject,
        Issuer = entry.Issuer,
        Audience = entry.Audience,
        Scopes = entry.Scopes,
        IssuedAt = entry.IssuedAt,
        ExpiresOn = entry.ExpiresOn,
        Resource = entry.Resource,
        ClientId = entry.ClientId,
        Endpoint = entry.Endpoint,
    };
}
