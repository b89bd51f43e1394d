namespace AgentGateway.Engine.Configuration;

/// <summary>A configuration value broke a rule; <see cref="Field"/> names it.</summary>
public sealed class ClientConfigException : Exception
{
    public ClientConfigException(string field, string message)
        : base(message)
    {
        Field = field;
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

    /// <summary>The config field whose rule was broken.</summary>
    public string Field { get; }
}
