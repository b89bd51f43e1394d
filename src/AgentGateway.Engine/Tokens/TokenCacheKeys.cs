using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Cache keys. System: the client identity (client id, token URL, certificate thumbprint). User: the
/// full SHA-256 (lower-case hex) of <c>userJwt + "|" + systemKey</c>, so the JWT itself is never a key.
/// </summary>
public static class TokenCacheKeys
{
    public static string SystemKey(AgentCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return credentials.IdentityKey;
    }

    public static string UserKey(string userJwt, string systemKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(userJwt);
        ArgumentNullException.ThrowIfNull(systemKey);
        var bytes = Encoding.UTF8.GetBytes(userJwt + "|" + systemKey);
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
