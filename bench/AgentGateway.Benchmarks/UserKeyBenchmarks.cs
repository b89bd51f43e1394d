using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Tokens;
using BenchmarkDotNet.Attributes;

namespace AgentGateway.Benchmarks;

/// <summary>
/// The user cache key: SHA-256 (lower-case hex) of <c>userJwt + "|" + systemKey</c>, for a ~900-char JWT.
/// Baseline: SHA-256 alone over the same bytes already encoded, into a stack buffer, i.e. the
/// irreducible cost; the difference is concatenation, UTF-8 encoding, zeroing and hex formatting.
/// </summary>
[MemoryDiagnoser]
public class UserKeyBenchmarks
{
    private string _userJwt = null!;
    private string _systemKey = null!;
    private byte[] _encoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        _userJwt = Fixtures.Jwt(DateTimeOffset.UtcNow.AddHours(12), JwtLength);
        using var credentials = Fixtures.TransparentCredentials();
        _systemKey = TokenCacheKeys.SystemKey(credentials);
        _encoded = Encoding.UTF8.GetBytes(_userJwt + "|" + _systemKey);
    }

    [Params(900)]
    public int JwtLength { get; set; }

    [Benchmark(Baseline = true)]
    public byte Floor_Sha256_PreEncoded()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(_encoded, hash);
        return hash[0];
    }

    [Benchmark]
    public string TokenCacheKeys_UserKey() => TokenCacheKeys.UserKey(_userJwt, _systemKey);
}
