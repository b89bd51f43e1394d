using AgentGateway.Engine.Tokens;

namespace AgentGateway;

/// <summary>A token handed out by Get-AgwAccessToken. Its string form shows the fingerprint, never the token.</summary>
public sealed class AgwAccessToken
{
    internal AgwAccessToken(object token, TokenKind kind, DateTimeOffset expiresOn, Uri gatewayUrl, string fingerprint)
    {
        Token = token;
        Kind = kind.ToString();
        ExpiresOn = expiresOn;
        GatewayUrl = gatewayUrl;
        Fingerprint = fingerprint;
    }

    /// <summary>A SecureString, or a string with -AsPlainText.</summary>
    public object Token { get; }

    /// <summary>System or User.</summary>
    /// <remarks>A string, not the engine's TokenKind: an engine enum as a field of this public type would make
    /// PowerShell's scan of the module's exported types (which runs before the module's initializer hooks the
    /// engine's load context) need the engine, and the import would fail.</remarks>
    public string Kind { get; }

    /// <summary>When the module stops sending this token (its expiry less the buffer), UTC.</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>The gateway the token is for.</summary>
    public Uri GatewayUrl { get; }

    /// <summary>The first 8 hex digits of the token's SHA-256.</summary>
    public string Fingerprint { get; }

    public override string ToString() => $"{Kind} token {Fingerprint}";
}
