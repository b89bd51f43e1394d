namespace AgentGateway.Engine.Http;

/// <summary>Why a TLS handshake failed, so that the cmdlet layer can say what to do about it.</summary>
public enum TlsFailureCause
{
    /// <summary>No TLS failure.</summary>
    None,

    /// <summary>This client refused the server's certificate: its chain builds neither to the system store nor to the TrustedCaPath roots, or it names another host.</summary>
    ServerCertificateNotTrusted,

    /// <summary>The server refused the handshake, most likely the client certificate (of the credentials, or the one configured for an MCP endpoint).</summary>
    ClientCertificateRefused,

    /// <summary>An MCP server asked for a client certificate and ended the connection without one: none is configured for that endpoint.</summary>
    ClientCertificateRequired,

    /// <summary>The handshake failed for another reason (the platform's message says which).</summary>
    Handshake,
}
