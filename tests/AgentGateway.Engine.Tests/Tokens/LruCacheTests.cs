using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Tokens;

public class LruCacheTests
{
    private sealed record Item(string Name, bool Expired = false);

    private static LruCache<Item> Cache(int capacity) => new(capacity, i => i.Expired);

    [Fact]
    public void Adding_past_the_bound_drops_the_least_recently_used_and_keeps_the_new()
    {
        var cache = Cache(3);
        cache.Set("a", new Item("a"));
        cache.Set("b", new Item("b"));
        cache.Set("c", new Item("c"));
        Assert.True(cache.TryGet("a", out _)); // a is now the most recent; b the least

        Assert.Equal(1, cache.Set("d", new Item("d")));

        Assert.True(cache.TryGet("d", out var d));
        Assert.Equal("d", d.Name);
        Assert.Null(cache.Peek("b"));
        Assert.NotNull(cache.Peek("a"));
        Assert.NotNull(cache.Peek("c"));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void A_key_held_as_characters_finds_the_entry_and_makes_it_most_recent()
    {
        var cache = Cache(2);
        cache.Set("a", new Item("a"));
        cache.Set("b", new Item("b"));
        Span<char> key = ['a'];

        Assert.True(cache.TryGet(key, out var a));
        Assert.Equal("a", a.Name);
        Assert.False(cache.TryGet("c".AsSpan(), out _));
        cache.Set("c", new Item("c")); // b is now the least recently used
        Assert.Null(cache.Peek("b"));
        Assert.NotNull(cache.Peek("a"));
    }

    [Fact]
    public void Expired_entries_go_before_live_ones()
    {
        var cache = Cache(3);
        cache.Set("old-live", new Item("old-live"));
        cache.Set("expired", new Item("expired", Expired: true));
        cache.Set("live", new Item("live"));
        cache.TryGet("expired", out _); // most recently used, but expired

        cache.Set("new", new Item("new"));

        Assert.Null(cache.Peek("expired"));
        Assert.NotNull(cache.Peek("old-live"));
        Assert.NotNull(cache.Peek("new"));
    }

    [Fact]
    public void Replacing_an_entry_does_not_evict()
    {
        var cache = Cache(2);
        cache.Set("a", new Item("a1"));
        cache.Set("b", new Item("b"));
        Assert.Equal(0, cache.Set("a", new Item("a2")));
        Assert.Equal("a2", cache.Peek("a")!.Name);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Resize_trims_at_once_in_lru_order()
    {
        var cache = Cache(5);
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            cache.Set(name, new Item(name));
        }

        Assert.Equal(3, cache.Resize(2));
        Assert.Equal(["e", "d"], cache.Snapshot().Select(e => e.Key));
    }

    [Fact]
    public void RemoveIf_removes_only_a_matching_value()
    {
        var cache = Cache(2);
        cache.Set("a", new Item("a1"));
        Assert.False(cache.RemoveIf("a", i => i.Name == "a0"));
        Assert.True(cache.RemoveIf("a", i => i.Name == "a1"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void The_bound_holds_under_16_threads()
    {
        var cache = Cache(7);
        var maxSeen = 0;
        using var start = new Barrier(16);
        var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 2000; i++)
            {
                var key = $"{t}-{i % 50}";
                cache.Set(key, new Item(key, Expired: i % 7 == 0));
                cache.TryGet($"{(t + 1) % 16}-{i % 50}", out _);
                if (i % 3 == 0)
                {
                    cache.Remove($"{t}-{(i + 25) % 50}");
                }

                var count = cache.Count;
                int seen;
                do
                {
                    seen = Volatile.Read(ref maxSeen);
                }
                while (count > seen && Interlocked.CompareExchange(ref maxSeen, count, seen) != seen);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.InRange(maxSeen, 1, 7);
        Assert.Equal(cache.Count, cache.Snapshot().Count);
        Assert.Equal(cache.Snapshot().Count, cache.Snapshot().Select(e => e.Key).Distinct().Count());
    }
}
