namespace AgentGateway.Engine.Credentials;

/// <summary>What went wrong with the credentials, so that the cmdlet layer can choose an ErrorId, a category and a recommended action.</summary>
public enum CredentialErrorKind
{
    /// <summary>No credentials were found: no file set, no service binding, not all of the environment variables.</summary>
    NotFound,

    /// <summary>The credentials were found but cannot be read or used (<see cref="CredentialException.Field"/> names the field at fault).</summary>
    Invalid,

    /// <summary>The credentials name a plain http URL to a host that is not loopback (refused: the transport rule).</summary>
    InsecureTransport,
}
