namespace AgentGateway.Engine.Credentials;

/// <summary>How token requests reach the token service.</summary>
internal enum CredentialMode
{
    /// <summary>The module attaches the client certificate (mutual TLS).</summary>
    Standard,

    /// <summary>The platform does mTLS for us; requests go out as plain HTTPS.</summary>
    Transparent,
}
