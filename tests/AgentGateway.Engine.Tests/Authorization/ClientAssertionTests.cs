using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AgentGateway.Engine.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>The pure parts of client credentials: the signed assertion, the key files, the authentication method and scope choice, the settings' rules.</summary>
public sealed class ClientAssertionTests : IDisposable
{
    private static readonly Uri s_issuer = new("https://login.example.com/tenant");
    private readonly string _dir = Directory.CreateTempSubdirectory("agw-assertion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (JsonElement Header, JsonElement Payload, byte[] Input, byte[] Signature) Split(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        return (JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement, JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement,
            System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]));
    }

    [Fact]
    public void An_RS256_assertion_names_the_client_as_issuer_and_subject_the_audience_a_fresh_jti_and_a_short_life_and_verifies_with_the_public_key()
    {
        using var rsa = RSA.Create(2048);
        using var key = ClientAssertionKey.FromKey(rsa);
        var now = new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);

        var jwt = ClientAssertion.Create(key, "agw-machine", s_issuer, now);
        var (header, payload, input, signature) = Split(jwt);

        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(ClientAssertion.TokenType, header.GetProperty("typ").GetString());
        Assert.Equal(key.KeyId, header.GetProperty("kid").GetString());
        Assert.Equal("agw-machine", payload.GetProperty("iss").GetString());
        Assert.Equal("agw-machine", payload.GetProperty("sub").GetString());
        Assert.Equal(s_issuer.OriginalString, payload.GetProperty("aud").GetString());
        Assert.Equal(now.ToUnixTimeSeconds(), payload.GetProperty("iat").GetInt64());
        Assert.Equal(now.ToUnixTimeSeconds() + 60, payload.GetProperty("exp").GetInt64());
        Assert.Equal(43, payload.GetProperty("jti").GetString()!.Length);
        Assert.NotEqual(payload.GetProperty("jti").GetString(), Split(ClientAssertion.Create(key, "agw-machine", s_issuer, now)).Payload.GetProperty("jti").GetString());
        Assert.True(rsa.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void An_EC_P256_key_signs_ES256_in_the_fixed_r_s_form_JWS_wants()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = ClientAssertionKey.FromKey(ec);

        var (header, _, input, signature) = Split(ClientAssertion.Create(key, "c", new Uri("https://as.example/token"), DateTimeOffset.UnixEpoch));

        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal(64, signature.Length);
        Assert.True(ec.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void The_fingerprint_is_the_first_8_hex_digits_of_the_SHA256_of_the_public_key_and_nothing_shows_the_key()
    {
        using var rsa = RSA.Create(2048);
        var expected = Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..8];
        using var key = ClientAssertionKey.FromKey(rsa);

        Assert.Equal(expected, key.Fingerprint);
        Assert.Equal($"RS256 key {expected}", key.ToString());
        var settings = new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", AssertionKey = key, GrantType = OAuthGrantType.ClientCredentials };
        Assert.Contains(expected, settings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_load_from_PKCS8_and_SEC1_PEM_an_encrypted_PEM_with_its_password_and_a_PFX_with_its_password()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var plain = Write("rsa.pem", rsa.ExportPkcs8PrivateKeyPem());
        var sec1 = Write("ec.pem", ec.ExportECPrivateKeyPem());
        var encrypted = Write("enc.pem", ec.ExportEncryptedPkcs8PrivateKeyPem("pem-pass", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        var request = new CertificateRequest("CN=agw", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(_dir, "rsa.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-pass"));

        using var a = ClientAssertionKey.Load(plain, null);
        using var b = ClientAssertionKey.Load(sec1, null);
        using var c = ClientAssertionKey.Load(encrypted, "pem-pass");
        using var d = ClientAssertionKey.Load(pfx, "pfx-pass");

        Assert.Equal("RS256", a.Algorithm);
        Assert.Equal("ES384", b.Algorithm);
        Assert.Equal(b.Fingerprint, c.Fingerprint);
        Assert.Equal(a.Fingerprint, d.Fingerprint);
        Assert.NotNull(d.CertificateThumbprints);
        Assert.Null(a.CertificateThumbprints);
    }

    [Fact]
    public void An_unusable_key_file_is_a_named_error_that_names_the_file_and_never_its_content_or_password()
    {
        using var small = RSA.Create(1024);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var encrypted = Write("enc.pem", ec.ExportEncryptedPkcs8PrivateKeyPem("right-pass", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        var cases = new (string Path, string? Password)[]
        {
            (Path.Combine(_dir, "missing.pem"), null),
            (Write("cert-only.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), null),
            (Write("small.pem", small.ExportPkcs8PrivateKeyPem()), null),
            (encrypted, null),
            (encrypted, "wrong-pass-value"),
            (Write("garbage.pfx", "not a pfx"), "wrong-pass-value"),
        };

        foreach (var (path, password) in cases)
        {
            var e = Assert.Throws<OAuthException>(() => ClientAssertionKey.Load(path, password));
            Assert.Equal(OAuthErrorKind.ClientAssertionKey, e.Kind);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-pass-value", e.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("MII", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "client_secret_basic", "client_secret_post" }, true, false, "client_secret_basic")]
    [InlineData(new[] { "client_secret_post", "private_key_jwt" }, true, false, "client_secret_post")]
    [InlineData(new[] { "private_key_jwt" }, true, false, "client_secret_basic")]
    [InlineData(new[] { "client_secret_basic", "private_key_jwt" }, false, true, "private_key_jwt")]
    [InlineData(new[] { "client_secret_basic" }, false, true, "private_key_jwt")]
    [InlineData(new[] { "none" }, false, false, "none")]
    public void The_token_endpoint_authentication_follows_the_metadata_for_a_secret_and_is_private_key_jwt_for_a_key(string[] listed, bool secret, bool withKey, string expected)
    {
        using var rsa = RSA.Create(2048);
        using var key = withKey ? ClientAssertionKey.FromKey(rsa) : null;
        var server = new AuthorizationServerMetadata
        {
            Issuer = s_issuer,
            AuthorizationEndpoint = new Uri(s_issuer, "authorize"),
            TokenEndpoint = new Uri(s_issuer, "token"),
            TokenEndpointAuthMethodsSupported = listed,
        };
        var settings = new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", ClientSecret = secret ? "s" : null, AssertionKey = key };

        Assert.Equal(expected, ClientCredentialsGrant.AuthMethodFor(server, settings));
    }

    [Fact]
    public void Scopes_are_chosen_as_a_sign_in_chooses_them_without_offline_access()
    {
        var server = new AuthorizationServerMetadata
        {
            Issuer = s_issuer,
            AuthorizationEndpoint = new Uri(s_issuer, "authorize"),
            TokenEndpoint = new Uri(s_issuer, "token"),
            ScopesSupported = ["files:read", "offline_access"],
        };
        var info = new OAuthServerInfo(new Uri("https://mcp.example/mcp"), "https://mcp.example/mcp", server, ["files:read"]);
        var settings = new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", ClientSecret = "s", Scopes = ["configured"], GrantType = OAuthGrantType.ClientCredentials };

        Assert.Equal("files:read files:write", ClientCredentialsGrant.ScopeFor(new OAuthChallenge(403, true, null, "files:read files:write offline_access", "insufficient_scope"), info, settings));
        Assert.Equal("files:read", ClientCredentialsGrant.ScopeFor(new OAuthChallenge(401, true, null, null, null), info, settings));
        Assert.Equal("configured", ClientCredentialsGrant.ScopeFor(new OAuthChallenge(401, true, null, null, null), info with { ResourceScopes = [] }, settings));
    }

    [Fact]
    public void A_client_credentials_client_needs_its_id_and_exactly_one_of_a_secret_and_a_key()
    {
        using var rsa = RSA.Create(2048);
        using var key = ClientAssertionKey.FromKey(rsa);
        var cc = OAuthGrantType.ClientCredentials;

        Assert.Throws<ArgumentException>(() => ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientSecret = "s", GrantType = cc }));
        Assert.Throws<ArgumentException>(() => ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", GrantType = cc }));
        Assert.Throws<ArgumentException>(() => ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", ClientSecret = "s", AssertionKey = key, GrantType = cc }));
        ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", AssertionKey = key, GrantType = cc });
        ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientId = "c", ClientSecret = "s", GrantType = cc });
        ClientCredentialsGrant.Validate(new OAuthClientSettings { Issuer = s_issuer, ClientId = "c" });
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
