using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace AgentGateway.Sandbox.Tests;

public sealed class TokenServiceTests : IAsyncLifetime
{
    private SandboxGateway _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxGateway.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Client_credentials_over_mtls_issue_distinct_tokens_on_one_connection()
    {
        using var mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
        var tokens = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            tokens.Add(await SandboxClient.GetSystemTokenAsync(_sandbox, mtls));
        }

        var stats = _sandbox.GetStats();
        Assert.Equal(10, tokens.Count);
        Assert.Equal(10, stats.ClientCredentials);
        Assert.Equal(10, stats.TokensIssued);
        Assert.Equal(1, stats.TlsHandshakes);
        var payload = Payload(tokens.First());
        Assert.Equal(_sandbox.ClientId, payload.GetProperty("sub").GetString());
        Assert.Equal("agent-gateway", payload.GetProperty("aud").GetString());
        Assert.Equal("system", payload.GetProperty("token_kind").GetString());
    }

    [Fact]
    public async Task Token_endpoint_refuses_a_connection_without_client_certificate()
    {
        using var plain = SandboxClient.Create(_sandbox);
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.PostAsync(_sandbox.TokenServiceUrl, SandboxClient.ClientCredentialsForm(_sandbox)));
        Assert.Equal(0, _sandbox.GetStats().TokensIssued);
    }

    [Fact]
    public async Task Token_endpoint_refuses_a_certificate_from_another_ca()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={_sandbox.ClientId}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        using var foreign = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), null);
        using var client = SandboxClient.Create(_sandbox, foreign);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(_sandbox.TokenServiceUrl, SandboxClient.ClientCredentialsForm(_sandbox)));
    }

    [Theory]
    [InlineData("resource")]
    [InlineData("response_type")]
    [InlineData("client_id")]
    [InlineData("grant_type")]
    public async Task A_missing_field_is_a_400_naming_it(string field)
    {
        using var mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
        using var response = await mtls.PostAsync(_sandbox.TokenServiceUrl, SandboxClient.ClientCredentialsForm(_sandbox, omit: field));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request", doc.RootElement.GetProperty("error").GetString());
        Assert.Contains(field, doc.RootElement.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _sandbox.GetStats().TokenRequestsRejected);
    }

    [Fact]
    public async Task Jwt_bearer_issues_a_user_token_for_the_assertion_subject()
    {
        using var mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = _sandbox.ClientId,
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = _sandbox.IssueUserJwt("alice@example.com"),
            ["token_format"] = "jwt",
            ["resource"] = SandboxClient.Resource,
        });
        using var response = await mtls.PostAsync(_sandbox.TokenServiceUrl, form);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var payload = Payload(doc.RootElement.GetProperty("access_token").GetString()!);
        Assert.Equal("alice@example.com", payload.GetProperty("sub").GetString());
        Assert.Equal("user", payload.GetProperty("token_kind").GetString());
        Assert.Equal(1, _sandbox.GetStats().JwtBearer);
    }

    [Theory]
    [InlineData(TokenResponseShape.ExpiresIn, "expires_in", false)]
    [InlineData(TokenResponseShape.ExpiresAt, "expires_at", false)]
    [InlineData(TokenResponseShape.ExpiresAtIso, "expires_at", false)]
    [InlineData(TokenResponseShape.JwtExpOnly, null, false)]
    [InlineData(TokenResponseShape.IdToken, "id_token", true)]
    [InlineData(TokenResponseShape.None, null, true)]
    public async Task Shapes_carry_the_expected_expiry_fields(TokenResponseShape shape, string? field, bool opaque)
    {
        _sandbox.Shape = shape;
        using var mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
        using var response = await mtls.PostAsync(_sandbox.TokenServiceUrl, SandboxClient.ClientCredentialsForm(_sandbox));
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        var expiryFields = new[] { "expires_in", "expires_at", "id_token" }.Where(f => root.TryGetProperty(f, out _)).ToArray();
        Assert.Equal(field is null ? [] : [field], expiryFields);
        Assert.Equal(opaque, root.GetProperty("access_token").GetString()!.Count(c => c == '.') != 2);
    }

    [Fact]
    public async Task FailNext_answers_the_status_with_retry_after_then_recovers()
    {
        _sandbox.FailNext(1, 503, retryAfter: TimeSpan.FromSeconds(7));
        using var mtls = SandboxClient.Create(_sandbox, _sandbox.ClientCertificate);
        using (var failed = await mtls.PostAsync(_sandbox.TokenServiceUrl, SandboxClient.ClientCredentialsForm(_sandbox)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), failed.Headers.RetryAfter?.Delta);
            Assert.Contains("\"error\"", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.NotEmpty(await SandboxClient.GetSystemTokenAsync(_sandbox, mtls));
    }

    private static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(part)));
        return doc.RootElement.Clone();
    }
}
