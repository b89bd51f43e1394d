namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Finds the first credential source in the design's order without reading any secret:
/// an explicit file, a servicebinding.io folder, the INTEGRATION_* environment.
/// </summary>
internal static class CredentialSourceLocator
{
    public const string ServiceBindingRootVariable = "SERVICE_BINDING_ROOT";
    public const string DefaultServiceBindingRoot = "/bindings";
    public const string ServiceBindingType = "integration-credentials";
    public const string ClientIdVariable = "INTEGRATION_CLIENT_ID";

    /// <param name="explicitPath">The configured credentials file, if any.</param>
    /// <param name="getEnvironmentVariable">Reads the environment; tests pass their own.</param>
    public static CredentialSource Locate(string? explicitPath, Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;

        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return new CredentialSource(CredentialSourceKind.Explicit, Path.GetFullPath(explicitPath));
        }

        var binding = FindServiceBinding(getEnvironmentVariable);
        if (binding is not null)
        {
            return new CredentialSource(CredentialSourceKind.ServiceBinding, binding);
        }

        if (!string.IsNullOrWhiteSpace(getEnvironmentVariable(ClientIdVariable)))
        {
            return new CredentialSource(CredentialSourceKind.Environment, ClientIdVariable);
        }

        return CredentialSource.None;
    }

    /// <summary>The first sub-folder (ordinal name order) whose trimmed <c>type</c> file is integration-credentials.</summary>
    public static string? FindServiceBinding(Func<string, string?> getEnvironmentVariable)
    {
        var root = getEnvironmentVariable(ServiceBindingRootVariable);
        if (string.IsNullOrWhiteSpace(root))
        {
            root = DefaultServiceBindingRoot;
        }

        if (!Directory.Exists(root))
        {
            return null;
        }

        string[] folders;
        try
        {
            folders = Directory.GetDirectories(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        Array.Sort(folders, StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var typeFile = Path.Combine(folder, "type");
            try
            {
                if (File.Exists(typeFile) &&
                    string.Equals(File.ReadAllText(typeFile).Trim(), ServiceBindingType, StringComparison.Ordinal))
                {
                    return Path.GetFullPath(folder);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable binding is not ours; keep looking.
            }
        }

        return null;
    }
}
