using AgentGateway.Engine.Tokens;
using BenchmarkDotNet.Attributes;

namespace AgentGateway.Benchmarks;

/// <summary>
/// <see cref="TokenExpiry.Compute"/> on each response shape, in the order of the rules: each shape
/// lacks the fields of the rules above it, so the later shapes also pay for the earlier rules'
/// misses. Access and id tokens are ~900-char JWTs; the non-JWT access token is opaque.
/// Baseline: <c>expires_in</c>, the shape IAS sends.
/// </summary>
[MemoryDiagnoser]
public class TokenExpiryBenchmarks
{
    private static readonly TimeSpan s_buffer = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_fallback = TimeSpan.FromSeconds(300);

    private DateTimeOffset _now;
    private TokenResponse _expiresIn = null!;
    private TokenResponse _expiresAtEpoch = null!;
    private TokenResponse _expiresAtIso = null!;
    private TokenResponse _accessTokenExp = null!;
    private TokenResponse _idTokenExp = null!;
    private TokenResponse _none = null!;

    [GlobalSetup]
    public void Setup()
    {
        _now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var exp = _now.AddHours(12);
        var jwt = Fixtures.Jwt(exp);
        const string opaque = "d8f1c0a2b4e64f3a9c7b5e1d2f3a4b5c";
        _expiresIn = new TokenResponse { AccessToken = jwt, ExpiresIn = "43199" };
        _expiresAtEpoch = new TokenResponse { AccessToken = jwt, ExpiresAt = exp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        _expiresAtIso = new TokenResponse { AccessToken = jwt, ExpiresAt = "2026-03-02T00:00:00Z" };
        _accessTokenExp = new TokenResponse { AccessToken = jwt };
        _idTokenExp = new TokenResponse { AccessToken = opaque, IdToken = jwt };
        _none = new TokenResponse { AccessToken = opaque };

        Expect(_expiresIn, TokenExpirySource.ExpiresIn);
        Expect(_expiresAtEpoch, TokenExpirySource.ExpiresAt);
        Expect(_expiresAtIso, TokenExpirySource.ExpiresAt);
        Expect(_accessTokenExp, TokenExpirySource.AccessTokenExp);
        Expect(_idTokenExp, TokenExpirySource.IdTokenExp);
        Expect(_none, TokenExpirySource.Fallback);
    }

    // Each returns the servable lifetime (a field of the result): TokenExpiryResult is internal to the engine.
    [Benchmark(Baseline = true)]
    public TimeSpan ExpiresIn() => TokenExpiry.Compute(_expiresIn, _now, s_buffer, s_fallback).ServableLifetime;

    [Benchmark]
    public TimeSpan ExpiresAt_Epoch() => TokenExpiry.Compute(_expiresAtEpoch, _now, s_buffer, s_fallback).ServableLifetime;

    [Benchmark]
    public TimeSpan ExpiresAt_Iso8601() => TokenExpiry.Compute(_expiresAtIso, _now, s_buffer, s_fallback).ServableLifetime;

    [Benchmark]
    public TimeSpan AccessToken_JwtExp() => TokenExpiry.Compute(_accessTokenExp, _now, s_buffer, s_fallback).ServableLifetime;

    [Benchmark]
    public TimeSpan IdToken_JwtExp() => TokenExpiry.Compute(_idTokenExp, _now, s_buffer, s_fallback).ServableLifetime;

    [Benchmark]
    public TimeSpan None_FallbackTtl() => TokenExpiry.Compute(_none, _now, s_buffer, s_fallback).ServableLifetime;

    private void Expect(TokenResponse response, TokenExpirySource source)
    {
        var result = TokenExpiry.Compute(response, _now, s_buffer, s_fallback);
        if (result.Source != source)
        {
            throw new InvalidOperationException($"Expected expiry from {source}, got {result.Source}.");
        }
    }
}
