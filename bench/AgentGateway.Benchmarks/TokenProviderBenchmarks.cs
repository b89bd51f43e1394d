using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Tokens;
using BenchmarkDotNet.Attributes;

namespace AgentGateway.Benchmarks;

/// <summary>
/// A warm cache: the call every MCP request makes before it is sent. The fake fetcher answered once in
/// setup with a day-long token, so every measured call is a hit far from its refresh window.
/// Baseline: the bare <see cref="LruCache{TValue}"/> lookup (one lock, a dictionary probe, a list move)
/// the provider's hit is built on.
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

    [GlobalSetup]
    public void Setup()
    {
        _fetcher = new InstantFetcher();
        _provider = new TokenProvider(Fixtures.TransparentCredentials(), ClientConfig.Default, _fetcher, TimeProvider.System);
        _userJwt = Fixtures.Jwt(DateTimeOffset.UtcNow.AddHours(12));
        _systemKey = _provider.Credentials.IdentityKey;

        // Warm both caches; a fetch completes on the thread pool, so wait for it.
        var system = _provider.GetTokenAsync(null, _cts.Token).AsTask().GetAwaiter().GetResult();
        _provider.GetTokenAsync(_userJwt, _cts.Token).AsTask().GetAwaiter().GetResult();

        _bareCache = new LruCache<AccessToken>(ClientConfig.DefaultMaxSystemTokenCacheSize, static _ => false);
        _bareCache.Set(_systemKey, system);

        // Prove the measured calls are hits that complete synchronously, not fetches.
        var before = _fetcher.Calls;
        if (!ReferenceEquals(SystemTokenHit(), system) || UserTokenHit() is null || _fetcher.Calls != before)
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

    [Benchmark(Baseline = true)]
    public AccessToken Floor_LruCache_TryGet()
    {
        _bareCache.TryGet(_systemKey, out var token);
        return token;
    }

    [Benchmark]
    public AccessToken SystemTokenHit() => Completed(_provider.GetTokenAsync(null, _cts.Token));

    [Benchmark]
    public AccessToken UserTokenHit() => Completed(_provider.GetTokenAsync(_userJwt, _cts.Token));

    private static AccessToken Completed(ValueTask<AccessToken> pending) =>
        pending.IsCompletedSuccessfully
            ? pending.Result
            : throw new InvalidOperationException("A hit must complete synchronously.");
}
