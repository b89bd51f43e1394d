using System.Text;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Benchmarks;

/// <summary>Realistic inputs shared by the benchmarks: credentials without network, JWTs of real size.</summary>
internal static class Fixtures
{
    public static AgentCredentials TransparentCredentials() =>
        new(
            "sb-7f3c2a10-agent-gateway-client!b12345|agent-gateway!b6789",
            new Uri("https://tenant.accounts.ondemand.com/oauth2/token"),
            new Uri("https://gateway.example.test"),
            [],
            new CredentialSource(CredentialSourceKind.Environment, "INTEGRATION_CLIENT_ID"));

    /// <summary>
    /// An unsigned-looking JWT of about <paramref name="targetLength"/> characters (an IAS user token is
    /// ~900): RS256 header, typical claims, padding claim to reach the size, 342-char RS256 signature.
    /// </summary>
    public static string Jwt(DateTimeOffset exp, int targetLength = 900, string sub = "alice@example.com")
    {
        const string header = "{\"alg\":\"RS256\",\"kid\":\"default-kid-2026\",\"typ\":\"JWT\",\"jku\":\"https://tenant.accounts.ondemand.com/oauth2/certs\"}";
        var signature = new string('S', 342);
        var claims = $"{{\"sub\":\"{sub}\",\"iss\":\"https://tenant.accounts.ondemand.com\",\"aud\":[\"sb-7f3c2a10-agent-gateway-client\"]," +
                     $"\"zone_uuid\":\"3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b\",\"iat\":{exp.AddHours(-12).ToUnixTimeSeconds()}," +
                     $"\"exp\":{exp.ToUnixTimeSeconds()},\"email\":\"{sub}\",\"given_name\":\"Alice\",\"family_name\":\"Example\",\"pad\":\"";
        var fixedLength = B64(header).Length + 2 + signature.Length;
        var pad = new StringBuilder();
        while (fixedLength + B64(claims + pad + "\"}").Length < targetLength)
        {
            pad.Append('x');
        }

        return $"{B64(header)}.{B64(claims + pad + "\"}")}.{signature}";
    }

    private static string B64(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A token fetcher that answers at once with a day-long token: no network, never slow.</summary>
internal sealed class InstantFetcher : ITokenFetcher
{
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public int Calls { get; private set; }

    public Task<TokenResponse> FetchAsync(string? userJwt, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(new TokenResponse
        {
            AccessToken = userJwt is null ? "system-access-token-value" : "user-access-token-value",
            ExpiresIn = "86400",
        });
    }

    public void Dispose()
    {
    }
}
