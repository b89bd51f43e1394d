namespace AgentGateway.Engine.Tokens;

/// <summary>
/// A small bounded cache with true least-recently-used order, safe for many threads (one lock;
/// every operation is O(1) but eviction, which first scans for expired entries). When it grows past
/// its capacity, expired entries go first, then the least recently used; the entry just added is
/// never the one evicted.
/// </summary>
internal sealed class LruCache<TValue>
    where TValue : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, TValue Value)>> _map = new(StringComparer.Ordinal);

    // The same map, probed with characters: a caller holding its key in a span needs no string to read.
    private readonly Dictionary<string, LinkedListNode<(string Key, TValue Value)>>.AlternateLookup<ReadOnlySpan<char>> _mapByChars;
    private readonly LinkedList<(string Key, TValue Value)> _order = new(); // first = most recently used
    private readonly Func<TValue, bool> _isExpired;
    private int _capacity;

    public LruCache(int capacity, Func<TValue, bool> isExpired)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(isExpired);
        _capacity = capacity;
        _isExpired = isExpired;
        _mapByChars = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity
    {
        get
        {
            lock (_gate)
            {
                return _capacity;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>Reads an entry and makes it the most recently used.</summary>
    public bool TryGet(string key, out TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TryGet(key.AsSpan(), out value);
    }

    /// <summary>Reads an entry by a key held as characters (no string made) and makes it the most recently used.</summary>
    public bool TryGet(ReadOnlySpan<char> key, out TValue value)
    {
        lock (_gate)
        {
            if (_mapByChars.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }

        value = null!;
        return false;
    }

    /// <summary>Reads an entry without touching its recency.</summary>
    public TValue? Peek(string key)
    {
        lock (_gate)
        {
            return _map.TryGetValue(key, out var node) ? node.Value.Value : null;
        }
    }

    /// <summary>Adds or replaces an entry as the most recently used; returns how many others were evicted.</summary>
    public int Set(string key, TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                node.Value = (key, value);
                _order.AddFirst(node);
                return 0;
            }

            _map[key] = _order.AddFirst((key, value));
            return TrimLocked();
        }
    }

    public bool Remove(string key)
    {
        lock (_gate)
        {
            if (!_map.Remove(key, out var node))
            {
                return false;
            }

            _order.Remove(node);
            return true;
        }
    }

    /// <summary>Removes the entry only if it still holds a value <paramref name="predicate"/> accepts.</summary>
    public bool RemoveIf(string key, Func<TValue, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_gate)
        {
            if (!_map.TryGetValue(key, out var node) || !predicate(node.Value.Value))
            {
                return false;
            }

            _map.Remove(key);
            _order.Remove(node);
            return true;
        }
    }

    /// <summary>Sets a new capacity and trims at once; returns how many entries were evicted.</summary>
    public int Resize(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        lock (_gate)
        {
            _capacity = capacity;
            return TrimLocked();
        }
    }

    /// <summary>Drops every entry; returns how many there were.</summary>
    public int Clear()
    {
        lock (_gate)
        {
            var count = _map.Count;
            _map.Clear();
            _order.Clear();
            return count;
        }
    }

    /// <summary>The entries, most recently used first.</summary>
    public List<(string Key, TValue Value)> Snapshot()
    {
        lock (_gate)
        {
            return [.. _order];
        }
    }

    private int TrimLocked()
    {
        if (_map.Count <= _capacity)
        {
            return 0;
        }

        var evicted = 0;

        // Expired entries first, oldest use first, sparing the newest entry.
        for (var node = _order.Last; node is not null && node != _order.First && _map.Count > _capacity;)
        {
            var previous = node.Previous;
            if (_isExpired(node.Value.Value))
            {
                _map.Remove(node.Value.Key);
                _order.Remove(node);
                evicted++;
            }

            node = previous;
        }

        while (_map.Count > _capacity && _order.Last is { } last && last != _order.First)
        {
            _map.Remove(last.Value.Key);
            _order.RemoveLast();
            evicted++;
        }

        return evicted;
    }
}
