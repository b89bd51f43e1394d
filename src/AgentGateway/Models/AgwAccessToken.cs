using AgentGateway.Engine.Tokens;

namespace AgentGateway;

/// <summary>A token handed out by Get-AgwAccessToken. Its string form shows the fingerprint, never the token.</summary>
public sealed class AgwAccessToken
{
    internal AgwAccessToken(object token, TokenKind kind, DateTimeOffset expiresOn, Uri gatewayUrl, string fingerprint)
    {
        Token = token;
        Kind = kind;
        ExpiresOn = expiresOn;
        GatewayUrl = gatewayUrl;
        Fingerprint = fingerprint;
    }

    /// <summary>A SecureString, or a string with -AsPlainText.</summary>
    public object Token { get; }

    public TokenKind Kind { get; }

    /// <summary>When the module stops sending this token (its expiry less the buffer), UTC.</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>The gateway the token is for.</summary>
    public Uri GatewayUrl { get; }

    /// <summary>The first 8 hex digits of the token's SHA-256.</summary>
    public string Fingerprint { get; }

    public override string ToString() => $"{Kind} token {Fingerprint}";
}
