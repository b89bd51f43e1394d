using System.Text;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Tokens;

public sealed class JwtReaderTests
{
    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static readonly string s_jwt = $"{B64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{B64("{\"sub\":\"u1\",\"iss\":\"https://idp\",\"aud\":\"a\",\"scope\":\"read write\",\"iat\":1700000000,\"exp\":1700003600}")}.c2ln";

    [Fact]
    public void A_signed_jwt_passes() => JwtReader.ThrowIfNotJwt(s_jwt);

    [Theory]
    [InlineData("not-a-jwt", "three parts")]
    [InlineData("a.b", "three parts")]
    [InlineData("a.b.c.d.e", "encrypted")]
    [InlineData("Bearer eyJ.eyJ.sig", "base64url")]
    [InlineData("\"eyJ.eyJ.sig\"", "base64url")]
    [InlineData("bm90.anNvbg.c2ln", "JSON")]
    public void What_is_not_a_jwt_is_refused_saying_why_without_the_value(string value, string why)
    {
        var e = Assert.Throws<UserTokenException>(() => JwtReader.ThrowIfNotJwt(value));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_claims_of_a_jwt_access_token_are_read_without_validation()
    {
        var claims = JwtReader.TryReadClaims(s_jwt)!;

        Assert.Equal(("u1", "https://idp", "a", "read write"), (claims.Subject, claims.Issuer, claims.Audience, claims.Scopes));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), claims.IssuedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700003600), claims.ExpiresOn);
        Assert.Null(JwtReader.TryReadClaims("sbx-opaque.0123"));
    }
}
