namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// A value of the current async flow (an <see cref="AsyncLocal{T}"/>) set for a scope: what a caller hands the
/// engine code below it without passing it around (<see cref="Diagnostics.CallLog"/>'s sink,
/// <see cref="Mcp.ServerRequests.McpInteraction"/>, <see cref="Mcp.McpCallClock"/>, the correlation id, the result
/// slot of a tools/call, the trace of a cmdlet call). The one way the engine keeps ambient state: no raw <see cref="AsyncLocal{T}"/> elsewhere.
/// </summary>
internal sealed class Ambient<T>
    where T : class
{
    private readonly AsyncLocal<T?> _current = new();

    public T? Current => _current.Value;

    /// <summary>Sets <paramref name="value"/> for the current async flow until the returned scope is disposed (the previous value comes back).</summary>
    public Scope Use(T? value)
    {
        var previous = _current.Value;
        _current.Value = value;
        return new Scope(this, previous);
    }

    /// <summary>The value set by <see cref="Use"/>; disposing it puts the previous one back (a default scope does nothing).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Ambient<T>? _owner;
        private readonly T? _previous;

        internal Scope(Ambient<T> owner, T? previous)
        {
            _owner = owner;
            _previous = previous;
        }

        public void Dispose()
        {
            if (_owner is not null)
            {
                _owner._current.Value = _previous;
            }
        }
    }
}
