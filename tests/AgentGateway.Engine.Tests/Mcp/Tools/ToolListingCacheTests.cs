using AgentGateway.Engine.Mcp.Tools;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Mcp.Tools;

public sealed class ToolListingCacheTests
{
    private static readonly Uri s_endpoint = new("https://mcp.example/mcp");
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);

    private static McpToolInfo[] Tools(params string[] names) =>
        [.. names.Select(n => new McpToolInfo { Name = n, ServerName = "s", Url = s_endpoint })];

    [Fact]
    public void A_private_listing_answers_only_its_identity()
    {
        using var cache = new ToolListingCache(new FakeTimeProvider());
        cache.Set(s_endpoint, "user:a", Tools("mine"), s_ttl, serverTtl: null);

        Assert.Equal("mine", Assert.Single(cache.TryGet(s_endpoint, "user:a")!).Name);
        Assert.Null(cache.TryGet(s_endpoint, "user:b"));
        Assert.Null(cache.TryGetAdvice(s_endpoint, "user:b"));
    }

    [Fact]
    public void A_public_listing_answers_every_identity_until_one_has_its_own()
    {
        var time = new FakeTimeProvider();
        using var cache = new ToolListingCache(time);
        cache.Set(s_endpoint, "user:a", Tools("shared"), s_ttl, serverTtl: null, isPublic: true);

        Assert.Equal("shared", Assert.Single(cache.TryGet(s_endpoint, "user:b")!).Name);
        Assert.Equal("shared", Assert.Single(cache.TryGetAdvice(s_endpoint, "system")!).Name);
        Assert.Equal(1, cache.Count);

        // An identity's own (private) listing wins for that identity only.
        cache.Set(s_endpoint, "user:b", Tools("b-only"), s_ttl, serverTtl: null);
        Assert.Equal("b-only", Assert.Single(cache.TryGet(s_endpoint, "user:b")!).Name);
        Assert.Equal("shared", Assert.Single(cache.TryGet(s_endpoint, "user:c")!).Name);

        // Past its TTL the public listing is advice only, for everyone.
        time.Advance(s_ttl + TimeSpan.FromSeconds(1));
        Assert.Null(cache.TryGet(s_endpoint, "user:c"));
        Assert.Equal("shared", Assert.Single(cache.TryGetAdvice(s_endpoint, "user:c")!).Name);
    }

    [Fact]
    public void A_public_listing_replaces_the_identitys_own_older_one_and_a_drop_takes_both()
    {
        using var cache = new ToolListingCache(new FakeTimeProvider());
        cache.Set(s_endpoint, "user:a", Tools("old"), s_ttl, serverTtl: null);
        cache.Set(s_endpoint, "user:a", Tools("new"), s_ttl, serverTtl: null, isPublic: true);
        Assert.Equal("new", Assert.Single(cache.TryGet(s_endpoint, "user:a")!).Name);

        cache.Set(s_endpoint, "user:b", Tools("b-only"), s_ttl, serverTtl: null);
        Assert.Equal(2, cache.Drop(s_endpoint));
        Assert.Null(cache.TryGetAdvice(s_endpoint, "user:a"));
        Assert.Null(cache.TryGetAdvice(s_endpoint, "user:b"));
    }
}
