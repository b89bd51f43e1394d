using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The pool's sessions in their recency list, under the pool's lock: one taken for a call moves to the front; past the
/// bound the least recently used with no call in flight is closed from the back; the idle sweep closes, from the back,
/// those unused for the idle time; a closed session is ended (HTTP DELETE) in the background.
/// </summary>
internal sealed partial class McpClientPool
{
    /// <summary>How often idle sessions are looked for: a quarter of the idle time, between 1 s and 1 min.</summary>
    private static TimeSpan SweepPeriod(TimeSpan idle) =>
        TimeSpan.FromTicks(Math.Clamp(idle.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>The live pooled session of <paramref name="key"/>, marked in use; or a closed one taken out of the pool.</summary>
    private (McpPooledClient? Session, McpPooledClient? Closed) TryAcquire(PoolKey key)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(key, out var node))
            {
                return (null, null);
            }

            var session = node.Value;
            if (session.IsClosed)
            {
                RemoveLocked(session);
                return (null, session);
            }

            AcquireLocked(node);
            return (session, null);
        }
    }

    /// <summary>Marks a session a setup just made in use, if the pool still holds it.</summary>
    private bool TryAcquire(McpPooledClient session)
    {
        lock (_gate)
        {
            if (session.IsClosed || !_sessions.TryGetValue(session.Key, out var node) || !ReferenceEquals(node.Value, session))
            {
                return false;
            }

            AcquireLocked(node);
            return true;
        }
    }

    private void AcquireLocked(LinkedListNode<McpPooledClient> node)
    {
        node.Value.InUse++;
        node.Value.Fresh = false;
        node.Value.LastUsed = _time.GetTimestamp();
        _recency.Remove(node);
        _recency.AddFirst(node);
    }

    private void RemoveLocked(McpPooledClient session)
    {
        if (_sessions.TryGetValue(session.Key, out var node) && ReferenceEquals(node.Value, session))
        {
            _sessions.Remove(session.Key);
            _recency.Remove(node);
        }
    }

    /// <summary>
    /// While the pool holds more than the bound, closes the least recently used session with no call in flight.
    /// A session just set up and not yet taken by its callers is spared too. Sessions all in use may hold the
    /// pool above the bound until their calls end (then <see cref="Release"/> trims again).
    /// </summary>
    private void TrimLocked()
    {
        var node = _recency.Last;
        while (_sessions.Count > Options.MaxSessions && node is not null)
        {
            var previous = node.Previous;
            if (node.Value is { InUse: 0, Fresh: false })
            {
                var session = node.Value;
                _sessions.Remove(session.Key);
                _recency.Remove(node);
                CloseLocked(session, $"least recently used of more than {Options.MaxSessions} (MaxMcpSessionCount)");
            }

            node = previous;
        }
    }

    /// <summary>The idle sweep: closes every session with no call in flight that was last used more than the idle time ago.</summary>
    private void CloseIdle()
    {
        lock (_gate)
        {
            var node = _recency.Last;
            while (node is not null)
            {
                var previous = node.Previous;
                var session = node.Value;
                if (session.InUse == 0 && _time.GetElapsedTime(session.LastUsed) >= Options.IdleTimeout)
                {
                    _sessions.Remove(session.Key);
                    _recency.Remove(node);
                    CloseLocked(session, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"idle for {Options.IdleTimeout.TotalSeconds:0} s (McpSessionIdleSec)"));
                }
                else if (_time.GetElapsedTime(session.LastUsed) < Options.IdleTimeout)
                {
                    break; // the rest were used more recently
                }

                node = previous;
            }
        }
    }

    /// <summary>Ends a session taken out of the pool, in the background (HTTP DELETE); disposal waits for it.</summary>
    private void CloseLocked(McpPooledClient session, string why)
    {
        CallLog.Verbose($"MCP session to {session.Endpoint} closed: {why}.");
        Task closing;
        using (ExecutionContext.SuppressFlow())
        {
            closing = Task.Run(async () => await session.DisposeAsync().ConfigureAwait(false));
        }

        _closing.RemoveAll(t => t.IsCompleted);
        _closing.Add(closing);
    }
}
