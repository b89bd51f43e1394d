namespace AgentGateway.Engine.Credentials;

/// <summary>Where credentials would be read from; <see cref="Location"/> is a path or a variable name, never a secret.</summary>
internal sealed record CredentialSource(CredentialSourceKind Kind, string? Location)
{
    public static CredentialSource None { get; } = new(CredentialSourceKind.None, null);
}
