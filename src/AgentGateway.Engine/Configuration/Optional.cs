namespace AgentGateway.Engine.Configuration;

/// <summary>A value that may be absent, so that "set to null" and "leave as is" differ.</summary>
internal readonly record struct Optional<T>(T Value)
{
    public bool HasValue { get; } = true;

    public static implicit operator Optional<T>(T value) => new(value);
}
