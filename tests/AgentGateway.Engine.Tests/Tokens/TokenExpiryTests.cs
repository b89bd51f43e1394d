using AgentGateway.Engine.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Tokens;

public class TokenExpiryTests
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_buffer = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_fallback = TimeSpan.FromSeconds(300);

    public static TheoryData<string, string?, string?, string, string?, string, double, double> Table()
    {
        var exp1000 = TokenTestKit.JwtWithExp(s_now.AddSeconds(1000));
        var exp2000 = TokenTestKit.JwtWithExp(s_now.AddSeconds(2000));
        var epoch500 = s_now.AddSeconds(500).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new()
        {
            // case, expires_at, expires_in, access_token (JWT or opaque), id_token, source, reported s, servable s
            { "expires_at epoch wins", epoch500, "100", exp1000, exp2000, nameof(TokenExpirySource.ExpiresAt), 500, 440 },
            { "expires_at ISO-8601 Z", "2026-03-01T12:10:00Z", "100", exp1000, null, nameof(TokenExpirySource.ExpiresAt), 600, 540 },
            { "expires_at ISO-8601 offset", "2026-03-01T14:10:00+02:00", null, "opaque", null, nameof(TokenExpirySource.ExpiresAt), 600, 540 },
            { "expires_at fractional epoch", epoch500 + ".5", null, "opaque", null, nameof(TokenExpirySource.ExpiresAt), 500.5, 440.5 },
            { "expires_in next", null, "3600", exp1000, exp2000, nameof(TokenExpirySource.ExpiresIn), 3600, 3540 },
            { "expires_in unreadable skipped", "soon", "n/a", exp1000, null, nameof(TokenExpirySource.AccessTokenExp), 1000, 940 },
            { "access token exp", null, null, exp1000, exp2000, nameof(TokenExpirySource.AccessTokenExp), 1000, 940 },
            { "id token exp", null, null, "opaque-not-a-jwt", exp2000, nameof(TokenExpirySource.IdTokenExp), 2000, 1940 },
            { "fallback without buffer", null, null, "opaque", "also.opaque", nameof(TokenExpirySource.Fallback), 300, 300 },
            { "negative expires_in skipped", null, "-5", "opaque", null, nameof(TokenExpirySource.Fallback), 300, 300 },
            { "lifetime shorter than buffer is zero", null, "30", exp1000, null, nameof(TokenExpirySource.ExpiresIn), 30, 0 },
            { "lifetime equal to buffer is zero", null, "60", "opaque", null, nameof(TokenExpirySource.ExpiresIn), 60, 0 },
            { "zero expires_in", null, "0", "opaque", null, nameof(TokenExpirySource.ExpiresIn), 0, 0 },
            { "expires_at in the past", "2026-03-01T11:00:00Z", null, "opaque", null, nameof(TokenExpirySource.ExpiresAt), 0, 0 },
            { "expired access token exp", null, null, TokenTestKit.JwtWithExp(s_now.AddSeconds(-10)), null, nameof(TokenExpirySource.AccessTokenExp), 0, 0 },
        };
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Expiry_follows_the_order_and_the_buffer_rule(
        string name, string? expiresAt, string? expiresIn, string accessToken, string? idToken, string sourceName, double reported, double servable)
    {
        var source = Enum.Parse<TokenExpirySource>(sourceName);
        var time = new FakeTimeProvider(s_now);
        var response = new TokenResponse { AccessToken = accessToken, ExpiresAt = expiresAt, ExpiresIn = expiresIn, IdToken = idToken };

        var result = TokenExpiry.Compute(response, time.GetUtcNow(), s_buffer, s_fallback);

        Assert.True(source == result.Source, name);
        Assert.Equal(TimeSpan.FromSeconds(reported), result.ReportedLifetime);
        Assert.Equal(TimeSpan.FromSeconds(servable), result.ServableLifetime);
        Assert.True(result.ServableLifetime >= TimeSpan.Zero);
        Assert.Equal(source != TokenExpirySource.Fallback, result.BufferApplies);
    }

    [Theory]
    [InlineData("{\"exp\": \"1772367000\"}", true)]
    [InlineData("{\"exp\": 1772367000.9}", true)]
    [InlineData("{\"sub\": \"no exp\"}", false)]
    [InlineData("[1,2]", false)]
    public void Jwt_exp_is_read_without_validation(string payload, bool found)
    {
        Assert.Equal(found, TokenExpiry.TryReadJwtExpiry(TokenTestKit.Jwt(payload), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("single-part")]
    [InlineData("a.!!!not-base64!!!.c")]
    [InlineData("a.e30.c")]
    public void Malformed_jwts_have_no_exp(string jwt)
    {
        Assert.False(TokenExpiry.TryReadJwtExpiry(jwt, out _));
    }
}
