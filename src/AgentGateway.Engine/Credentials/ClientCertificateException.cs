namespace AgentGateway.Engine.Credentials;

/// <summary>
/// A client certificate for an MCP endpoint could not be loaded or used. The message names the source (a path, or the
/// store and the thumbprint) and the problem, never a key, a password or the certificate's body.
/// </summary>
public sealed class ClientCertificateException : Exception
{
    public ClientCertificateException()
    {
    }

    public ClientCertificateException(string message)
        : base(message)
    {
    }

    public ClientCertificateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal ClientCertificateException(string message, ClientCertificateErrorKind kind, string? source, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Source = source;
    }

    /// <summary>What went wrong.</summary>
    public ClientCertificateErrorKind Kind { get; }

    /// <summary>Where the certificate came from: a file path, or the store and the thumbprint.</summary>
    public new string? Source { get; }
}
