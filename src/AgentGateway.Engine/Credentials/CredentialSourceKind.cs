namespace AgentGateway.Engine.Credentials;

/// <summary>Where credentials come from, in the order they are looked for.</summary>
public enum CredentialSourceKind
{
    /// <summary>No source was found.</summary>
    None,

    /// <summary>An explicit file set with Set-AgwClientConfig -CredentialPath.</summary>
    Explicit,

    /// <summary>A servicebinding.io folder whose type is integration-credentials.</summary>
    ServiceBinding,

    /// <summary>Transparent mode: INTEGRATION_* environment variables, the platform does mTLS.</summary>
    Environment,
}
