using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGateway.Sandbox;

/// <summary>Compact ES256 JWTs, signed and checked by hand (no JWT library needed for a sandbox).</summary>
internal sealed class SandboxJwtKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public SandboxJwtKey(string keyId) => KeyId = keyId;

    public string KeyId { get; }

    public string Sign(JsonObject payload)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "JWT", ["kid"] = KeyId };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
                           Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>Checks the signature; returns the payload, or null when the token is malformed or not signed by this key.</summary>
    public JsonObject? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var signature = Base64UrlDecode(parts[2]);
            var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!_key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256))
            {
                return null;
            }

            return JsonNode.Parse(Base64UrlDecode(parts[1])) as JsonObject;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Parses a JWT without checking its signature; null when it is not a well-formed JWT.</summary>
    public static JsonObject? ReadUnverified(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(Base64UrlDecode(parts[0])) is not JsonObject header || header["alg"] is null)
            {
                return null;
            }

            return JsonNode.Parse(Base64UrlDecode(parts[1])) as JsonObject;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    public static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = (s.Length % 4) switch
        {
            2 => s + "==",
            3 => s + "=",
            _ => s,
        };
        return Convert.FromBase64String(s);
    }

    public void Dispose() => _key.Dispose();
}
