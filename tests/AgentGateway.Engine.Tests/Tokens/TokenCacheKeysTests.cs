using System.Security.Cryptography;
using System.Text;
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

    private const string SystemKey = "sb-agent!b1|https://ias.example.test/oauth2/token|";

    /// <summary>The rule spelled out the plainest way: SHA-256 of the UTF-8 of the concatenation, lower-case hex.</summary>
    private static string Reference(string jwt, string systemKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jwt + "|" + systemKey)));

    private static string SpanKey(string jwt, string systemKey)
    {
        var key = new char[TokenCacheKeys.UserKeyLength];
        TokenCacheKeys.WriteUserKey(jwt, systemKey, key);
        return new string(key);
    }

    public static TheoryData<string, string> Jwts()
    {
        var stack = TokenCacheKeys.StackPlaintextBytes - 1 - SystemKey.Length; // JWT bytes that just fill the stack buffer
        return new TheoryData<string, string>
        {
            { "short ASCII", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln" },
            { "one character", "x" },
            { "non-ASCII (2, 3 and 4 UTF-8 bytes)", "eyJ.ü-€-😀-名前.sig" },
            { "lone surrogates, one next to the bar", "ab\uDC00\uD800cd\uDBFF" },
            { "ASCII filling the stack buffer exactly", new string('a', stack) },
            { "ASCII one byte past the stack buffer", new string('a', stack + 1) },
            { "long ASCII (pooled buffer)", new string('j', 10_000) },
            { "few characters, many bytes (pooled buffer)", string.Concat(Enumerable.Repeat("€😀", 400)) },
        };
    }

    [Theory]
    [MemberData(nameof(Jwts))]
    public void The_span_key_is_the_string_key_and_the_rule(string shape, string jwt)
    {
        var expected = Reference(jwt, SystemKey);
        Assert.True(expected == TokenCacheKeys.UserKey(jwt, SystemKey), $"string key differs for {shape}");
        Assert.True(expected == SpanKey(jwt, SystemKey), $"span key differs for {shape}");
    }

    [Fact]
    public void A_lone_surrogate_after_the_bar_gives_the_same_key_both_ways()
    {
        const string oddIdentity = "\uDC00identity";
        Assert.Equal(Reference("jwt\uD800", oddIdentity), SpanKey("jwt\uD800", oddIdentity));
        Assert.Equal(Reference("jwt\uD800", oddIdentity), TokenCacheKeys.UserKey("jwt\uD800", oddIdentity));
    }

    [Fact]
    public void The_span_key_fills_only_its_64_characters()
    {
        var destination = new string('#', 70).ToCharArray();
        TokenCacheKeys.WriteUserKey("jwt", "system", destination);
        Assert.Equal(TokenCacheKeys.UserKey("jwt", "system"), new string(destination, 0, 64));
        Assert.Equal(new string('#', 6), new string(destination, 64, 6));
    }

    [Fact]
    public void The_span_key_refuses_an_empty_jwt_and_a_short_destination()
    {
        Assert.Throws<ArgumentException>(() => TokenCacheKeys.WriteUserKey([], "system", new char[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenCacheKeys.WriteUserKey("jwt", "system", new char[63]));
    }

    [Fact]
    public void Writing_a_key_allocates_nothing_once_the_pool_is_warm()
    {
        var shortJwt = new string('s', 900);
        var longJwt = new string('l', 10_000);
        var key = new char[TokenCacheKeys.UserKeyLength];
        TokenCacheKeys.WriteUserKey(longJwt, SystemKey, key); // the first rent of a size may allocate the array

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            TokenCacheKeys.WriteUserKey(shortJwt, SystemKey, key);
            TokenCacheKeys.WriteUserKey(longJwt, SystemKey, key);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
