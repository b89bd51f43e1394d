using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;
using Microsoft.Extensions.Time.Testing;
using static AgentGateway.Engine.Tests.Tokens.TokenTestKit;

namespace AgentGateway.Engine.Tests.Tokens;

public sealed class TokenProviderTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeFetcher _fetcher = new();
    private TokenProvider? _provider;

    public void Dispose() => _provider?.Dispose();

    private TokenProvider Provider(ClientConfig? config = null) =>
        _provider = new TokenProvider(TransparentCredentials(), config ?? Config(), _fetcher, _time);

    [Fact]
    public async Task A_second_call_is_a_hit()
    {
        var provider = Provider();
        var first = await provider.GetTokenAsync(null, default);
        var second = await provider.GetTokenAsync(null, default);

        Assert.Same(first, second);
        Assert.Equal(TokenKind.System, first.Kind);
        Assert.Equal(1, _fetcher.Calls);
        var stats = provider.GetStatistics();
        Assert.Equal((1L, 1L, 1L, 0L), (stats.Hits, stats.Misses, stats.TokenRequests, stats.Renewals));
        Assert.Equal(_time.GetUtcNow().AddSeconds(3600 - 60), first.ExpiresOn);
    }

    [Fact]
    public async Task A_token_taken_to_end_an_MCP_session_counts_as_a_session_end_not_a_hit()
    {
        var provider = Provider();
        var first = await provider.GetTokenAsync(null, default);
        IAccessTokenSource source = provider;
        var forDelete = await source.GetTokenToEndSessionAsync(null, null, default);

        Assert.Same(first, forDelete);
        var stats = provider.GetStatistics();
        Assert.Equal((0L, 1L, 1L, 1L), (stats.Hits, stats.Misses, stats.SessionEnds, stats.TokenRequests));

        provider.ResetStatistics();
        Assert.Equal(0L, provider.GetStatistics().SessionEnds);
    }

    [Fact]
    public async Task A_hundred_concurrent_callers_on_a_cold_cache_cause_one_request()
    {
        var provider = Provider();
        var gate = _fetcher.Gate(1);
        var callers = Enumerable.Range(0, 100).Select(_ => Task.Run(() => provider.GetTokenAsync(null, default).AsTask())).ToArray();
        Eventually(() => provider.GetStatistics().Misses == 100, "100 callers waiting");
        gate.SetResult();

        var tokens = await Task.WhenAll(callers);

        Assert.Equal(1, _fetcher.Calls);
        Assert.All(tokens, t => Assert.Same(tokens[0], t));
        Assert.Equal(1, provider.GetStatistics().TokenRequests);
    }

    [Fact]
    public async Task A_hundred_callers_over_two_user_jwts_cause_two_exchanges()
    {
        var provider = Provider();
        var gate1 = _fetcher.Gate(1);
        var gate2 = _fetcher.Gate(2);
        var jwts = new[] { JwtWithExp(_time.GetUtcNow().AddHours(1), "alice"), JwtWithExp(_time.GetUtcNow().AddHours(1), "bob") };
        var callers = Enumerable.Range(0, 100).Select(i => Task.Run(() => provider.GetTokenAsync(jwts[i % 2], default).AsTask())).ToArray();
        Eventually(() => provider.GetStatistics().Misses == 100, "100 callers waiting");
        gate1.SetResult();
        gate2.SetResult();

        var tokens = await Task.WhenAll(callers);

        Assert.Equal(2, _fetcher.Calls);
        Assert.Equal(2, tokens.Select(t => t.Value).Distinct().Count());
        Assert.All(tokens.Where((_, i) => i % 2 == 0), t => Assert.Same(tokens[0], t));
        Assert.All(tokens.Where((_, i) => i % 2 == 1), t => Assert.Same(tokens[1], t));
        Assert.Equal(2, provider.GetStatistics().UserEntries);
    }

    [Fact]
    public async Task Jwts_differing_by_one_character_are_two_entries()
    {
        var provider = Provider();
        var a = await provider.GetTokenAsync("header.payloadA.sig", default);
        var b = await provider.GetTokenAsync("header.payloadB.sig", default);
        Assert.NotEqual(a.Value, b.Value);
        Assert.Equal(2, provider.GetStatistics().UserEntries);
        Assert.Equal(["header.payloadA.sig", "header.payloadB.sig"], _fetcher.Assertions);
    }

    [Fact]
    public async Task A_slow_fetch_for_one_key_does_not_delay_a_hit_on_another()
    {
        var provider = Provider();
        var system = await provider.GetTokenAsync(null, default);
        _fetcher.Gate(2);
        var slow = provider.GetTokenAsync("user.jwt.x", default).AsTask();

        var hit = provider.GetTokenAsync(null, default);

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Same(system, await hit);
        Assert.False(slow.IsCompleted);
        _fetcher.Gates[2].SetResult();
        await slow;
    }

    [Fact]
    public async Task Cancelling_the_caller_that_started_the_fetch_leaves_the_others_their_token()
    {
        var provider = Provider();
        var gate = _fetcher.Gate(1);
        using var firstCancel = new CancellationTokenSource();
        var first = provider.GetTokenAsync(null, firstCancel.Token).AsTask();
        var second = provider.GetTokenAsync(null, default).AsTask();

        await firstCancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(second.IsCompleted);
        gate.SetResult();

        var token = await second;
        Assert.Same(token, await provider.GetTokenAsync(null, default));
        Assert.Equal(1, _fetcher.Calls);
    }

    [Fact]
    public async Task Failures_are_never_cached()
    {
        var provider = Provider();
        _fetcher.Failures[1] = new TokenRequestException("refused");

        await Assert.ThrowsAsync<TokenRequestException>(() => provider.GetTokenAsync(null, default).AsTask());
        var token = await provider.GetTokenAsync(null, default);

        Assert.Equal("token-2-system", token.Value);
        Assert.Equal(2, _fetcher.Calls);
        Assert.Equal(0, provider.InflightCount);
    }

    [Fact]
    public async Task All_waiters_of_a_failed_fetch_see_the_failure()
    {
        var provider = Provider();
        var gate = _fetcher.Gate(1);
        _fetcher.Failures[1] = new TokenRequestException("refused");
        var callers = Enumerable.Range(0, 10).Select(_ => provider.GetTokenAsync(null, default).AsTask()).ToArray();
        gate.SetResult();
        foreach (var caller in callers)
        {
            await Assert.ThrowsAsync<TokenRequestException>(() => caller);
        }

        Assert.Equal(1, _fetcher.Calls);
        Assert.Equal(0, provider.GetStatistics().SystemEntries);
    }

    [Fact]
    public async Task The_buffer_is_a_hard_limit()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "120"; // servable 60 s
        var first = await provider.GetTokenAsync(null, default);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Same(first, await provider.GetTokenAsync(null, default));
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await provider.GetTokenAsync(null, default);

        Assert.NotEqual(first.Value, second.Value);
        Assert.Equal(2, _fetcher.Calls);
    }

    [Fact]
    public async Task A_token_inside_the_buffer_on_arrival_is_never_handed_out()
    {
        // Defect 4: such a token used to go to the gateway, already expired or about to be.
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "30";

        var e = await Assert.ThrowsAsync<TokenRequestException>(() => provider.GetTokenAsync(null, default).AsTask());
        var again = await Assert.ThrowsAsync<TokenRequestException>(() => provider.GetTokenAsync(null, default).AsTask());

        Assert.Equal(TokenErrorKind.ExpiredOnArrival, e.Kind);
        Assert.Contains("buffer of 60 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("ExpiresIn", e.Message, StringComparison.Ordinal);
        Assert.NotSame(e, again);
        Assert.Equal(2, _fetcher.Calls);
        Assert.Equal(0, provider.GetStatistics().SystemEntries);
    }

    [Fact]
    public async Task The_fallback_ttl_has_no_buffer()
    {
        var provider = Provider(Config(bufferSeconds: 60, fallbackSeconds: 300));
        _fetcher.ExpiresIn = null; // opaque token, no expiry fields
        var token = await provider.GetTokenAsync(null, default);
        _time.Advance(TimeSpan.FromSeconds(299));
        Assert.Same(token, await provider.GetTokenAsync(null, default));
        Assert.Equal(_time.GetUtcNow().AddSeconds(1), token.ExpiresOn);
    }

    [Fact]
    public async Task Refresh_ahead_serves_the_old_token_at_once_and_starts_exactly_one_refresh()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "1060"; // servable 1000 s; refresh window from 900 s
        var old = await provider.GetTokenAsync(null, default);
        _time.Advance(TimeSpan.FromSeconds(899));
        Assert.Same(old, await provider.GetTokenAsync(null, default));
        Assert.Equal(1, _fetcher.Calls);

        var gate = _fetcher.Gate(2);
        _time.Advance(TimeSpan.FromSeconds(2));
        var served = Enumerable.Range(0, 20).Select(_ => provider.GetTokenAsync(null, default)).ToList();

        Assert.All(served, v => Assert.True(v.IsCompletedSuccessfully));
        foreach (var value in served)
        {
            Assert.Same(old, await value);
        }

        Eventually(() => _fetcher.Calls == 2, "the background refresh started");
        Assert.Equal(1, provider.InflightCount);
        gate.SetResult();
        Eventually(() => provider.InflightCount == 0, "the refresh finished");

        var renewed = await provider.GetTokenAsync(null, default);
        Assert.Equal("token-2-system", renewed.Value);
        Assert.Equal(2, _fetcher.Calls);
        var stats = provider.GetStatistics();
        Assert.Equal(1, stats.Renewals);
        Assert.Equal(2, stats.TokenRequests);
        Assert.Equal(0, stats.Misses - 1);
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_old_token_until_the_buffer_and_the_next_call_tries_again()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "1060";
        var old = await provider.GetTokenAsync(null, default);
        _fetcher.Failures[2] = new TokenRequestException("down");
        _fetcher.Failures[3] = new TokenRequestException("still down");
        _time.Advance(TimeSpan.FromSeconds(950));

        Assert.Same(old, await provider.GetTokenAsync(null, default));
        Eventually(() => _fetcher.Calls == 2 && provider.InflightCount == 0, "refresh 1 failed");
        Assert.Same(old, await provider.GetTokenAsync(null, default));
        Eventually(() => _fetcher.Calls == 3 && provider.InflightCount == 0, "refresh 2 failed");

        _time.Advance(TimeSpan.FromSeconds(49)); // 999 s: still servable
        Assert.Same(old, await provider.GetTokenAsync(null, default));
        Eventually(() => _fetcher.Calls == 4 && provider.InflightCount == 0, "refresh 3 succeeded");
        Assert.Equal("token-4-system", (await provider.GetTokenAsync(null, default)).Value);
        Assert.Equal(3, provider.GetStatistics().Renewals);
    }

    [Fact]
    public async Task Once_the_buffer_starts_a_failed_refresh_no_longer_serves_the_old_token()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "1060";
        await provider.GetTokenAsync(null, default);
        _fetcher.Failures[2] = new TokenRequestException("down");
        _time.Advance(TimeSpan.FromSeconds(1000));

        await Assert.ThrowsAsync<TokenRequestException>(() => provider.GetTokenAsync(null, default).AsTask());
        Assert.Equal(0, provider.GetStatistics().SystemEntries);
    }

    [Fact]
    public async Task Fifty_concurrent_401s_on_one_token_cause_one_renewal()
    {
        var provider = Provider();
        var rejected = await provider.GetTokenAsync("alice.jwt.x", default);

        var retries = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            provider.Invalidate("alice.jwt.x", rejected);
            return await provider.GetTokenAsync("alice.jwt.x", default);
        })).ToArray();
        var renewed = await Task.WhenAll(retries);

        Assert.Equal(2, _fetcher.Calls);
        Assert.All(renewed, t => Assert.Equal("token-2-user", t.Value));
        var stats = provider.GetStatistics();
        Assert.Equal(1, stats.Invalidations);
        Assert.Equal(1, stats.Renewals);
    }

    [Fact]
    public async Task Invalidating_a_token_already_renewed_keeps_the_new_one()
    {
        var provider = Provider();
        var old = await provider.GetTokenAsync(null, default);
        provider.Invalidate(null, old);
        var renewed = await provider.GetTokenAsync(null, default);

        provider.Invalidate(null, old);

        Assert.Same(renewed, await provider.GetTokenAsync(null, default));
        Assert.Equal(2, _fetcher.Calls);
        Assert.Equal(1, provider.GetStatistics().Invalidations);
    }

    [Fact]
    public async Task The_user_bound_is_true_lru()
    {
        var provider = Provider(Config(maxUser: 2));
        await provider.GetTokenAsync("jwt.a.1", default);
        await provider.GetTokenAsync("jwt.b.1", default);
        await provider.GetTokenAsync("jwt.a.1", default); // a used last; b least recently used
        var c = await provider.GetTokenAsync("jwt.c.1", default);

        Assert.Same(c, await provider.GetTokenAsync("jwt.c.1", default));
        Assert.Equal(3, _fetcher.Calls);
        await provider.GetTokenAsync("jwt.a.1", default);
        Assert.Equal(3, _fetcher.Calls);
        await provider.GetTokenAsync("jwt.b.1", default);
        Assert.Equal(4, _fetcher.Calls);
        Assert.Equal(2, provider.GetStatistics().UserEntries);
        Assert.Equal(0, provider.GetStatistics().SystemEntries);
    }

    [Fact]
    public async Task System_and_user_bounds_are_separate()
    {
        var provider = Provider(Config(maxSystem: 1, maxUser: 3));
        await provider.GetTokenAsync(null, default);
        for (var i = 0; i < 3; i++)
        {
            await provider.GetTokenAsync($"jwt.{i}.x", default);
        }

        var stats = provider.GetStatistics();
        Assert.Equal((1, 3, 0L), (stats.SystemEntries, stats.UserEntries, stats.Evictions));
    }

    [Fact]
    public async Task The_user_bound_holds_under_16_threads()
    {
        var provider = Provider(Config(maxUser: 5));
        var tasks = Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await provider.GetTokenAsync($"jwt.{t}.{i % 12}", default);
                Assert.InRange(provider.GetStatistics().UserEntries, 0, 5);
            }
        }));
        await Task.WhenAll(tasks);
        Assert.InRange(provider.GetStatistics().UserEntries, 1, 5);
    }

    [Fact]
    public async Task Apply_config_with_a_smaller_bound_trims_at_once()
    {
        var provider = Provider(Config(maxUser: 5));
        for (var i = 0; i < 5; i++)
        {
            await provider.GetTokenAsync($"jwt.{i}.x", default);
        }

        provider.ApplyConfig(Config(maxUser: 2).With(timeout: TimeSpan.FromSeconds(9)));

        var stats = provider.GetStatistics();
        Assert.Equal(2, stats.UserEntries);
        Assert.Equal(3, stats.Evictions);
        Assert.Equal(TimeSpan.FromSeconds(9), _fetcher.Timeout);
        Assert.Equal(
            [AccessToken.FingerprintOf("token-5-user"), AccessToken.FingerprintOf("token-4-user")],
            provider.GetEntries().Select(e => e.Fingerprint));
    }

    [Fact]
    public async Task A_larger_buffer_takes_effect_on_cached_tokens()
    {
        var provider = Provider(Config(bufferSeconds: 60, fallbackSeconds: 600));
        _fetcher.ExpiresIn = "300";
        var token = await provider.GetTokenAsync(null, default);
        _time.Advance(TimeSpan.FromSeconds(100));

        provider.ApplyConfig(Config(bufferSeconds: 250, fallbackSeconds: 600));

        Assert.NotSame(token, await provider.GetTokenAsync(null, default));
    }

    [Fact]
    public async Task Clear_drops_all_or_one_kind()
    {
        var provider = Provider();
        await provider.GetTokenAsync(null, default);
        await provider.GetTokenAsync("jwt.a.b", default);

        provider.Clear(TokenKind.User);
        Assert.Equal((1, 0), (provider.GetStatistics().SystemEntries, provider.GetStatistics().UserEntries));
        await provider.GetTokenAsync("jwt.a.b", default);
        provider.Clear(TokenKind.System);
        Assert.Equal((0, 1), (provider.GetStatistics().SystemEntries, provider.GetStatistics().UserEntries));
        provider.Clear();
        Assert.Equal((0, 0), (provider.GetStatistics().SystemEntries, provider.GetStatistics().UserEntries));
    }

    [Fact]
    public async Task A_fetch_in_flight_during_clear_is_not_cached()
    {
        var provider = Provider();
        var gate = _fetcher.Gate(1);
        var pending = provider.GetTokenAsync(null, default).AsTask();
        Eventually(() => _fetcher.Calls == 1, "fetch started");
        provider.Clear();
        gate.SetResult();
        await pending;
        Assert.Equal(0, provider.GetStatistics().SystemEntries);
    }

    [Fact]
    public async Task Entries_show_fingerprints_and_remaining_time_but_no_secret()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(1), "carol");
        var user = await provider.GetTokenAsync(jwt, default);
        _time.Advance(TimeSpan.FromSeconds(40));

        var entry = Assert.Single(provider.GetEntries());
        Assert.Equal(TokenKind.User, entry.Kind);
        Assert.Equal(user.Fingerprint, entry.Fingerprint);
        Assert.Equal(TimeSpan.FromSeconds(3600 - 60 - 40), entry.Remaining);
        Assert.Equal(user.ExpiresOn, entry.ExpiresAt);
        Assert.Equal(TimeSpan.Zero, entry.ExpiresAt.Offset);
        Assert.False(entry.RefreshDue);
        Assert.DoesNotContain(user.Value, entry.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, entry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_call_log_tells_the_story_with_fingerprints_only()
    {
        var provider = Provider();
        var sink = new RecordingSink();
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(1), "dave");
        AccessToken token;
        using (CallLog.Use(sink))
        {
            token = await provider.GetTokenAsync(jwt, default);
            await provider.GetTokenAsync(jwt, default);
            provider.Invalidate(jwt, token);
        }

        var story = string.Join("\n", sink.Messages);
        Assert.Contains("Token cache miss", story, StringComparison.Ordinal);
        Assert.Contains("Token fetched", story, StringComparison.Ordinal);
        Assert.Contains("Token cache hit", story, StringComparison.Ordinal);
        Assert.Contains("rejected", story, StringComparison.Ordinal);
        Assert.Contains(token.Fingerprint, story, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Value, story, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, story, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt.Split('.')[1], story, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_background_refresh_does_not_write_to_the_callers_log()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "1060";
        await provider.GetTokenAsync(null, default);
        _time.Advance(TimeSpan.FromSeconds(950));
        var sink = new RecordingSink();
        var gate = _fetcher.Gate(2);
        using (CallLog.Use(sink))
        {
            await provider.GetTokenAsync(null, default);
        }

        var before = sink.Messages.Count;
        CallLog.Verbose($"not flowing"); // the test's own flow has no sink now
        gate.SetResult();
        Eventually(() => provider.InflightCount == 0, "refresh finished");
        Assert.Equal(before, sink.Messages.Count);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task After_dispose_calls_are_refused_and_waiters_released()
    {
        var provider = Provider();
        _fetcher.Gate(1);
        var pending = provider.GetTokenAsync(null, default).AsTask();
        Eventually(() => _fetcher.Calls == 1, "fetch started");

        provider.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => provider.GetTokenAsync(null, default).AsTask());
    }

    public static TheoryData<string> UserSubjects() =>
    [
        "alice",                // ~100-char JWT: the key's plaintext on the stack
        "Zoë 名前 😀",          // non-ASCII claims (base64url keeps the JWT ASCII; the key rule does not rely on it)
        new string('a', 5000),  // ~6,800-char JWT: past the stack buffer, encoded in a pooled array
    ];

    [Theory]
    [MemberData(nameof(UserSubjects))]
    public async Task A_user_hit_is_found_by_the_key_its_miss_stored(string sub)
    {
        var provider = Provider();
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(1), sub);

        var first = await provider.GetTokenAsync(jwt, default);
        var second = await provider.GetTokenAsync(jwt, default);

        Assert.Same(first, second);
        Assert.Equal(1, _fetcher.Calls);
        var stats = provider.GetStatistics();
        Assert.Equal((1L, 1L, 1), (stats.Hits, stats.Misses, stats.UserEntries));
    }

    [Fact]
    public async Task A_non_ascii_jwt_is_keyed_like_the_string_key()
    {
        // Not a real JWT (those are base64url), but the key must still be the rule's for any text.
        var provider = Provider();
        const string jwt = "eyJ.Zoë-名前-😀.sig\uD800";
        var first = await provider.GetTokenAsync(jwt, default);
        Assert.Same(first, await provider.GetTokenAsync(jwt, default));

        provider.Invalidate(jwt, first); // Invalidate finds the entry by the string key

        Assert.Equal(1, provider.GetStatistics().Invalidations);
        Assert.Equal(0, provider.GetStatistics().UserEntries);
    }

    [Fact]
    public async Task A_key_computed_once_finds_the_same_entry_as_the_jwt()
    {
        // McpAuth hashes the JWT once (UserKeyOf) and passes the key with every request of a call.
        var provider = Provider();
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(1), "frank");
        var key = provider.UserKeyOf(jwt);
        Assert.Equal(TokenCacheKeys.UserKey(jwt, provider.Credentials.IdentityKey), key);

        var first = await provider.GetTokenAsync(jwt, default);
        var keyed = await provider.GetTokenAsync(jwt, key, default);
        Assert.Same(first, keyed);
        Assert.Equal(1, _fetcher.Calls);

        provider.Invalidate(jwt, key, keyed);
        Assert.Equal(1, provider.GetStatistics().Invalidations);
        Assert.Equal(0, provider.GetStatistics().UserEntries);
        Assert.NotSame(first, await provider.GetTokenAsync(jwt, key, default));
        Assert.Equal(2, _fetcher.Calls);
    }

    [Fact]
    public async Task A_user_miss_stores_under_the_string_key_and_the_hit_finds_the_same()
    {
        var provider = Provider();
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(1), "erin");
        var expected = TokenCacheKeys.UserKey(jwt, provider.Credentials.IdentityKey)[..8];
        var sink = new RecordingSink();
        AccessToken token;
        using (CallLog.Use(sink))
        {
            token = await provider.GetTokenAsync(jwt, default); // miss: key made as a string
            await provider.GetTokenAsync(jwt, default);         // hit: key looked up as characters
        }

        var described = sink.Messages.Where(m => m.StartsWith("Token cache", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, described.Count);
        Assert.All(described, m => Assert.Contains($"(user key {expected})", m, StringComparison.Ordinal));

        // Invalidate computes the key with TokenCacheKeys.UserKey: it must find what the miss stored.
        provider.Invalidate(jwt, token);
        Assert.Equal(1, provider.GetStatistics().Invalidations);
        Assert.Equal(0, provider.GetStatistics().UserEntries);
        Assert.Equal("token-2-user", (await provider.GetTokenAsync(jwt, default)).Value);
        Assert.Equal(1, provider.GetStatistics().Renewals);
    }

    [Fact]
    public async Task A_user_refresh_ahead_started_from_a_hit_renews_the_same_entry()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        _fetcher.ExpiresIn = "1060"; // servable 1000 s; refresh window from 900 s
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(2), "frank");
        var old = await provider.GetTokenAsync(jwt, default);
        _time.Advance(TimeSpan.FromSeconds(950));
        var gate = _fetcher.Gate(2);

        var served = provider.GetTokenAsync(jwt, default);
        var again = provider.GetTokenAsync(jwt, default); // the refresh is in flight: found by characters, not started twice

        Assert.True(served.IsCompletedSuccessfully && again.IsCompletedSuccessfully);
        Assert.Same(old, await served);
        Assert.Same(old, await again);
        Eventually(() => _fetcher.Calls == 2, "the background refresh started");
        gate.SetResult();
        Eventually(() => provider.InflightCount == 0, "the refresh finished");

        Assert.Equal("token-2-user", (await provider.GetTokenAsync(jwt, default)).Value);
        var stats = provider.GetStatistics();
        Assert.Equal((2L, 1L, 1L, 1), (stats.TokenRequests, stats.Renewals, stats.Misses, stats.UserEntries));
    }

    [Fact]
    public async Task An_expired_user_entry_is_dropped_and_fetched_again_under_the_same_key()
    {
        var provider = Provider(Config(bufferSeconds: 60));
        var jwt = JwtWithExp(_time.GetUtcNow().AddHours(3), "grace");
        await provider.GetTokenAsync(jwt, default);
        _time.Advance(TimeSpan.FromSeconds(3600 - 60));

        var renewed = await provider.GetTokenAsync(jwt, default);

        Assert.Equal("token-2-user", renewed.Value);
        var stats = provider.GetStatistics();
        Assert.Equal((1L, 2L, 1), (stats.Evictions, stats.Misses, stats.UserEntries));
        Assert.Same(renewed, await provider.GetTokenAsync(jwt, default));
    }

    [Fact]
    public async Task A_warm_user_hit_allocates_nothing()
    {
        var provider = Provider();
        var shortJwt = JwtWithExp(_time.GetUtcNow().AddHours(1), "heidi");
        var longJwt = JwtWithExp(_time.GetUtcNow().AddHours(1), new string('h', 5000));
        foreach (var jwt in new[] { shortJwt, longJwt })
        {
            await provider.GetTokenAsync(jwt, default); // miss: fetch and cache
            Assert.True(provider.GetTokenAsync(jwt, default).IsCompletedSuccessfully); // warm the pool
        }

        // No await from here on: the hits complete synchronously, all on this thread.
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.True(provider.GetTokenAsync(shortJwt, default).IsCompletedSuccessfully);
            Assert.True(provider.GetTokenAsync(longJwt, default).IsCompletedSuccessfully);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(200 + 2, provider.GetStatistics().Hits);
    }

    [Fact]
    public async Task Refusals_come_through_the_returned_task_not_as_a_throw()
    {
        var provider = Provider();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var empty = provider.GetTokenAsync("", default);
        var cancelledCall = provider.GetTokenAsync("user.jwt.x", cancelled.Token);
        provider.Dispose();
        var disposed = provider.GetTokenAsync(null, default);

        Assert.True(empty.IsFaulted);
        await Assert.ThrowsAsync<ArgumentException>(() => empty.AsTask());
        Assert.True(cancelledCall.IsCanceled);
        Assert.True(disposed.IsFaulted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.AsTask());
        Assert.Equal(0, _fetcher.Calls);
    }
}
