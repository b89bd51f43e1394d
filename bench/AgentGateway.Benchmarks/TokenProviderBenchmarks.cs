using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Tokens;
using BenchmarkDotNet.Attributes;

namespace AgentGateway.Benchmarks;

/// <summary>
/// A warm cache: the call every MCP request makes before it is sent. The fake fetcher answered once in
/// setup with a day-long token, so every measured call is a hit far from its refresh window.
/// Baseline: the bare <see cref="LruCache{TValue}"/> lookup (one lock, a dictionary probe, a list move)
/// the provider's hit is built on. User hits for a ~900-char JWT (an IAS user token) and a ~4,000-char
/// one (past the key's stack buffer), and the user key alone, so that a user hit can be read as
/// "system hit + key" within one run.
/// </summary>
[MemoryDiagnoser]
public class TokenProviderBenchmarks
{
    private readonly CancellationTokenSource _cts = new();
    private TokenProvider _provider = null!;
    private InstantFetcher _fetcher = null!;
    private LruCache<AccessToken> _bareCache = null!;
    private string _systemKey = null!;
    private string _userJwt = null!;
    private string _longUserJwt = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fetcher = new InstantFetcher();
        _provider = new TokenProvider(Fixtures.TransparentCredentials(), ClientConfig.Default, _fetcher, TimeProvider.System);
        _userJwt = Fixtures.Jwt(DateTimeOffset.UtcNow.AddHours(12));
        _longUserJwt = Fixtures.Jwt(DateTimeOffset.UtcNow.AddHours(12), 4000, "bob@example.com");
        _systemKey = _provider.Credentials.IdentityKey;

        // Warm both caches; a fetch completes on the thread pool, so wait for it.
        var system = _provider.GetTokenAsync(null, _cts.Token).AsTask().GetAwaiter().GetResult();
        _provider.GetTokenAsync(_userJwt, _cts.Token).AsTask().GetAwaiter().GetResult();
        _provider.GetTokenAsync(_longUserJwt, _cts.Token).AsTask().GetAwaiter().GetResult();

        _bareCache = new LruCache<AccessToken>(ClientConfig.DefaultMaxSystemTokenCacheSize, static _ => false);
        _bareCache.Set(_systemKey, system);

        // Prove the measured calls are hits that complete synchronously, not fetches.
        var before = _fetcher.Calls;
        if (!ReferenceEquals(SystemTokenHit(), system) || UserTokenHit() is null || UserTokenHit_LongJwt() is null || _fetcher.Calls != before)
        {
            throw new InvalidOperationException("The warm cache did not serve a hit.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _cts.Dispose();
    }

    // Each returns the token as object (a reference, no cost): AccessToken is internal to the engine.
    [Benchmark(Baseline = true)]
    public object? Floor_LruCache_TryGet()
    {
        _bareCache.TryGet(_systemKey, out var token);
        return token;
    }

    [Benchmark]
    public object SystemTokenHit() => Completed(_provider.GetTokenAsync(null, _cts.Token));

    [Benchmark]
    public object UserTokenHit() => Completed(_provider.GetTokenAsync(_userJwt, _cts.Token));

    /// <summary>The user key alone (what a user hit pays on top of a system hit), in the same run.</summary>
    [Benchmark]
    public char UserKeyOnly()
    {
        Span<char> key = stackalloc char[TokenCacheKeys.UserKeyLength];
        TokenCacheKeys.WriteUserKey(_userJwt, _systemKey, key);
        return key[0];
    }

    [Benchmark]
    public object UserTokenHit_LongJwt() => Completed(_provider.GetTokenAsync(_longUserJwt, _cts.Token));

    private static AccessToken Completed(ValueTask<AccessToken> pending) =>
        pending.IsCompletedSuccessfully
            ? pending.Result
            : throw new InvalidOperationException("A hit must complete synchronously.");
}
