namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// A value of the current async flow (an <see cref="AsyncLocal{T}"/>) set for a scope: what a cmdlet hands the
/// engine code below it without passing it around (<see cref="Diagnostics.CallLog"/>'s sink, <see cref="Mcp.ServerRequests.McpInteraction"/>).
/// </summary>
internal sealed class Ambient<T>
    where T : class
{
    private readonly AsyncLocal<T?> _current = new();

    public T? Current => _current.Value;

    /// <summary>Sets <paramref name="value"/> for the current async flow until the returned scope is disposed (the previous value comes back).</summary>
    public IDisposable Use(T? value)
    {
        var previous = _current.Value;
        _current.Value = value;
        return new Scope(this, previous);
    }

    private sealed class Scope(Ambient<T> owner, T? previous) : IDisposable
    {
        public void Dispose() => owner._current.Value = previous;
    }
}
