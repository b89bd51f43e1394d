namespace AgentGateway.Engine.Configuration;

/// <summary>One value of a configuration that breaks a rule (or names a file that cannot be used).</summary>
/// <param name="Field">The config field: Timeout, CredentialPath, TrustedCaPath, ...</param>
/// <param name="Message">What is wrong, in a sentence that names the field.</param>
public sealed record ClientConfigProblem(string Field, string Message);

/// <summary>
/// Configuration values broke rules: <see cref="Problems"/> lists every one; <see cref="Field"/> names the
/// field of a single problem, or the fields of several, comma-separated.
/// </summary>
public sealed class ClientConfigException : Exception
{
    internal ClientConfigException(string field, string message)
        : this([new ClientConfigProblem(field, message)])
    {
    }

    internal ClientConfigException(IReadOnlyList<ClientConfigProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
        Field = string.Join(", ", problems.Select(p => p.Field).Distinct(StringComparer.Ordinal));
    }

    public ClientConfigException()
    {
        Field = string.Empty;
    }

    public ClientConfigException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public ClientConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
    }

    /// <summary>The config field whose rule was broken (several: comma-separated).</summary>
    public string Field { get; }

    /// <summary>Every broken rule, in the order of the fields.</summary>
    public IReadOnlyList<ClientConfigProblem> Problems { get; } = [];

    private static string Describe(IReadOnlyList<ClientConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count switch
        {
            0 => throw new ArgumentException("A configuration error needs at least one problem.", nameof(problems)),
            1 => problems[0].Message,
            _ => $"{problems.Count} values are invalid:{Environment.NewLine}" +
                 string.Join(Environment.NewLine, problems.Select(p => $"- {p.Message}")),
        };
    }
}
