using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Tests.Credentials;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Tokens;

public class TokenCacheKeysTests
{
    private static AgentCredentials Standard(string clientId = "agent", string url = "https://ias.example.test/token")
    {
        var (cert, key) = TestCertificates.Rsa();
        var (certificate, chain) = ClientCertificateLoader.Load(cert, key, DateTimeOffset.UtcNow);
        return new AgentCredentials(clientId, new Uri(url), new Uri("https://gw.example.test"), [], CredentialSource.None, certificate, chain);
    }

    [Fact]
    public void The_user_key_is_the_full_sha256_of_jwt_bar_system_key()
    {
        var key = TokenCacheKeys.UserKey("jwt", "system");
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("jwt|system"u8)), key);
        Assert.Equal(64, key.Length);
        Assert.DoesNotContain("jwt", key, StringComparison.Ordinal);
    }

    [Fact]
    public void Jwts_differing_by_one_character_have_different_keys()
    {
        Assert.NotEqual(TokenCacheKeys.UserKey("eyJ.abc.def", "s"), TokenCacheKeys.UserKey("eyJ.abc.deg", "s"));
    }

    [Fact]
    public void The_system_key_is_client_url_and_certificate()
    {
        using var a = Standard();
        using var b = Standard();
        using var otherClient = TokenTestKit.TransparentCredentials("other", "https://ias.example.test/token");
        using var otherUrl = TokenTestKit.TransparentCredentials("agent", "https://ias2.example.test/token");

        Assert.NotEqual(TokenCacheKeys.SystemKey(a), TokenCacheKeys.SystemKey(b)); // a new certificate, a new identity
        Assert.Contains(a.CertificateThumbprint!, TokenCacheKeys.SystemKey(a), StringComparison.Ordinal);
        Assert.NotEqual(TokenCacheKeys.SystemKey(otherClient), TokenCacheKeys.SystemKey(otherUrl));
        Assert.NotEqual(TokenCacheKeys.UserKey("jwt", TokenCacheKeys.SystemKey(a)), TokenCacheKeys.UserKey("jwt", TokenCacheKeys.SystemKey(b)));
    }
}
