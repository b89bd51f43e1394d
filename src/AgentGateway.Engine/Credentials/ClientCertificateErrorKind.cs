namespace AgentGateway.Engine.Credentials;

/// <summary>Why a client certificate for an MCP endpoint cannot be used, so that the cmdlet layer can choose an ErrorId.</summary>
public enum ClientCertificateErrorKind
{
    /// <summary>The certificate, key or PFX file does not exist.</summary>
    FileNotFound,

    /// <summary>The file is not a certificate, a key or a PFX that can be read, or the key does not belong to the certificate.</summary>
    Invalid,

    /// <summary>The password of the PFX or of the encrypted key is wrong, or none was given for an encrypted key.</summary>
    WrongPassword,

    /// <summary>The certificate comes without its private key.</summary>
    NoPrivateKey,

    /// <summary>The certificate has expired, or is not valid yet.</summary>
    Expired,

    /// <summary>The certificate names its usages and client authentication is not among them.</summary>
    WrongUsage,

    /// <summary>No certificate with that thumbprint is in the user's certificate store.</summary>
    NotInStore,
}
