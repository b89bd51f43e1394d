using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Tokens;
using BenchmarkDotNet.Attributes;

namespace AgentGateway.Benchmarks;

/// <summary>
/// The user cache key: SHA-256 (lower-case hex) of <c>userJwt + "|" + systemKey</c>, for a ~900-char JWT
/// (an IAS user token; its plaintext fits the stack buffer) and a ~4,000-char one (past it: a pooled array).
/// Baseline: SHA-256 alone over the same bytes already encoded, into a stack buffer, i.e. the
/// irreducible cost; the difference is UTF-8 encoding, zeroing and hex formatting (and, for the string
/// key, the string).
/// </summary>
[MemoryDiagnoser]
public class UserKeyBenchmarks
{
    private string _userJwt = null!;
    private string _systemKey = null!;
    private byte[] _encoded = null!;
    private char[] _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        _userJwt = Fixtures.Jwt(DateTimeOffset.UtcNow.AddHours(12), JwtLength);
        using var credentials = Fixtures.TransparentCredentials();
        _systemKey = TokenCacheKeys.SystemKey(credentials);
        _encoded = Encoding.UTF8.GetBytes(_userJwt + "|" + _systemKey);
        _key = new char[TokenCacheKeys.UserKeyLength];

        // Both ways must give the one key, or the comparison means nothing.
        TokenCacheKeys.WriteUserKey(_userJwt, _systemKey, _key);
        if (!_key.AsSpan().SequenceEqual(TokenCacheKeys_UserKey()))
        {
            throw new InvalidOperationException("WriteUserKey and UserKey disagree.");
        }
    }

    [Params(900, 4000)]
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

    [Benchmark]
    public char TokenCacheKeys_WriteUserKey()
    {
        TokenCacheKeys.WriteUserKey(_userJwt, _systemKey, _key);
        return _key[0];
    }
}
