namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Credentials could not be found, read or used. The message names the field and the source
/// (a path or a variable name) and never contains a certificate, a key or any other secret. <see cref="Kind"/> says
/// what went wrong.
/// </summary>
public sealed class CredentialException : Exception
{
    public CredentialException()
    {
    }

    public CredentialException(string message)
        : base(message)
    {
    }

    public CredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal CredentialException(string message, CredentialSourceKind sourceKind, string? location, string? field, Exception? innerException = null)
        : base(message, innerException)
    {
        SourceKind = sourceKind;
        Location = location;
        Field = field;
    }

    /// <summary>The field at fault (<c>certificate</c>, <c>integrationDependencies[1].ordId</c>, a variable name), or null when the whole source is.</summary>
    public string? Field { get; }

    public CredentialSourceKind SourceKind { get; }

    /// <summary>
    /// What went wrong. Unless set, it follows from the rest: no source and no field is
    /// <see cref="CredentialErrorKind.NotFound"/>, anything else <see cref="CredentialErrorKind.Invalid"/>.
    /// </summary>
    public CredentialErrorKind Kind
    {
        get => _kind ?? (SourceKind == CredentialSourceKind.None && Field is null ? CredentialErrorKind.NotFound : CredentialErrorKind.Invalid);
        internal init => _kind = value;
    }

    /// <summary>The file, folder or variable the credentials came from.</summary>
    public string? Location { get; }

    private readonly CredentialErrorKind? _kind;
}
