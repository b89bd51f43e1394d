using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// The private key that signs this client's assertions (RFC 7523 <c>private_key_jwt</c>): RSA (RS256) or EC (ES256,
/// ES384, ES512 by curve), from a PEM file (a PKCS#8, PKCS#1 or SEC1 private key, encrypted or not, with its certificate
/// or without) or a PKCS#12 (PFX) file with its password. Kept in memory only; <see cref="ToString"/> and every message
/// show the <see cref="Fingerprint"/>, never the key.
/// </summary>
internal sealed class ClientAssertionKey : IDisposable
{
    /// <summary>A key file larger than this is not read.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private readonly AsymmetricAlgorithm _key;
    private readonly X509Certificate2? _certificate;

    private ClientAssertionKey(AsymmetricAlgorithm key, X509Certificate2? certificate)
    {
        _key = key;
        _certificate = certificate;
        Algorithm = key switch
        {
            RSA rsa when rsa.KeySize >= 2048 => "RS256",
            RSA rsa => throw new ArgumentException($"An RSA key of {rsa.KeySize} bits is too small to sign client assertions (2048 bits at least)."),
            ECDsa ec => ec.KeySize switch
            {
                256 => "ES256",
                384 => "ES384",
                521 => "ES512",
                _ => throw new ArgumentException($"An EC key on a {ec.KeySize}-bit curve cannot sign client assertions (P-256, P-384 or P-521)."),
            },
            _ => throw new ArgumentException("Only RSA and EC keys sign client assertions."),
        };
        var publicKey = key.ExportSubjectPublicKeyInfo();
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(publicKey).AsSpan(0, 4));
        KeyId = JwkThumbprint(key);
    }

    /// <summary>RS256, ES256, ES384 or ES512: the JWS algorithm the key type and size give.</summary>
    public string Algorithm { get; }

    /// <summary>The first 8 hex digits (lower case) of the SHA-256 of the public key (its SubjectPublicKeyInfo): safe to show.</summary>
    public string Fingerprint { get; }

    /// <summary>The <c>kid</c> of the assertions: the public key's JWK SHA-256 thumbprint (RFC 7638), base64url.</summary>
    public string KeyId { get; }

    /// <summary>The certificate's SHA-1 and SHA-256 thumbprints, base64url (<c>x5t</c>, <c>x5t#S256</c>), when the file had one.</summary>
    public (string Sha1, string Sha256)? CertificateThumbprints =>
        _certificate is null ? null : (Base64Url.EncodeToString(_certificate.GetCertHash(HashAlgorithmName.SHA1)), Base64Url.EncodeToString(_certificate.GetCertHash(HashAlgorithmName.SHA256)));

    /// <summary>Reads a PEM or PFX file (a PFX when it holds no PEM block); <paramref name="password"/> decrypts an encrypted PEM key or the PFX.</summary>
    /// <exception cref="OAuthException">Kind <see cref="OAuthErrorKind.ClientAssertionKey"/>: the file cannot be read or holds no usable key (the message names the file, never its content).</exception>
    public static ClientAssertionKey Load(string path, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw Invalid(path, "the file does not exist");
            }

            if (info.Length > MaxFileBytes)
            {
                throw Invalid(path, $"it is larger than {MaxFileBytes / 1024} KB");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, e.Message, e);
        }

        try
        {
            var text = Encoding.UTF8.GetString(bytes);
            return text.Contains("-----BEGIN ", StringComparison.Ordinal) ? FromPem(path, text, password) : FromPkcs12(path, bytes, password);
        }
        catch (CryptographicException e)
        {
            throw Invalid(path, password is null ? $"{e.Message} (is it encrypted? then give its password)" : $"{e.Message} (is the password right?)", e);
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, e.Message, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>A key held already (tests, or a key made in memory); the instance owns it.</summary>
    public static ClientAssertionKey FromKey(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ClientAssertionKey(key, null);
    }

    /// <summary>The JWS signature of <paramref name="data"/>: RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA (r||s) with the curve's hash.</summary>
    public byte[] Sign(byte[] data) => _key switch
    {
        RSA rsa => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => ec.SignData(data, Algorithm switch { "ES384" => HashAlgorithmName.SHA384, "ES512" => HashAlgorithmName.SHA512, _ => HashAlgorithmName.SHA256 }, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        _ => throw new InvalidOperationException("unreachable"),
    };

    /// <summary>The public key, for a verifier (tests).</summary>
    public byte[] ExportPublicKey() => _key.ExportSubjectPublicKeyInfo();

    public void Dispose()
    {
        _key.Dispose();
        _certificate?.Dispose();
    }

    public override string ToString() => $"{Algorithm} key {Fingerprint}";

    private static ClientAssertionKey FromPem(string path, string text, string? password)
    {
        string? keyLabel = null;
        X509Certificate2? certificate = null;
        foreach (var label in new[] { "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY" })
        {
            if (text.Contains($"-----BEGIN {label}-----", StringComparison.Ordinal))
            {
                keyLabel = label;
                break;
            }
        }

        if (keyLabel is null)
        {
            throw Invalid(path, "it holds no PEM private key block (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY)");
        }

        if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            certificate = X509Certificate2.CreateFromPem(text);
        }

        if (keyLabel == "ENCRYPTED PRIVATE KEY" && string.IsNullOrEmpty(password))
        {
            certificate?.Dispose();
            throw Invalid(path, "its private key is encrypted, and no password was given");
        }

        // A PKCS#8 block does not say its key type in the label: RSA is tried first, then EC.
        AsymmetricAlgorithm[] candidates = keyLabel switch
        {
            "RSA PRIVATE KEY" => [RSA.Create()],
            "EC PRIVATE KEY" => [ECDsa.Create()],
            _ => [RSA.Create(), ECDsa.Create()],
        };
        Exception? last = null;
        foreach (var key in candidates)
        {
            try
            {
                if (keyLabel == "ENCRYPTED PRIVATE KEY")
                {
                    key.ImportFromEncryptedPem(text, password);
                }
                else
                {
                    key.ImportFromPem(text);
                }
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                last = e;
                continue;
            }

            try
            {
                if (certificate is not null && !certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
                {
                    throw Invalid(path, "its certificate is not the private key's");
                }

                return new ClientAssertionKey(key, certificate);
            }
            catch
            {
                key.Dispose();
                certificate?.Dispose();
                throw;
            }
        }

        certificate?.Dispose();
        throw (Exception?)(last as CryptographicException) ?? Invalid(path, last?.Message ?? "its private key cannot be read", last);
    }

    private static ClientAssertionKey FromPkcs12(string path, byte[] bytes, string? password)
    {
        var flags = OperatingSystem.IsMacOS() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
        var certificate = X509CertificateLoader.LoadPkcs12(bytes, password, flags);
        var key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey();
        if (key is null)
        {
            certificate.Dispose();
            throw Invalid(path, "its certificate has no RSA or EC private key");
        }

        try
        {
            return new ClientAssertionKey(key, certificate);
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>RFC 7638: SHA-256 of the JWK's required members in lexicographic order, no spaces.</summary>
    private static string JwkThumbprint(AsymmetricAlgorithm key)
    {
        string json;
        if (key is RSA rsa)
        {
            var p = rsa.ExportParameters(false);
            json = $"{{\"e\":\"{Base64Url.EncodeToString(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64Url.EncodeToString(p.Modulus)}\"}}";
        }
        else
        {
            var p = ((ECDsa)key).ExportParameters(false);
            var crv = p.Curve.Oid.FriendlyName switch
            {
                "nistP256" or "ECDSA_P256" => "P-256",
                "nistP384" or "ECDSA_P384" => "P-384",
                _ => "P-521",
            };
            json = $"{{\"crv\":\"{crv}\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(p.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(p.Q.Y)}\"}}";
        }

        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    private static OAuthException Invalid(string path, string why, Exception? inner = null) =>
        new(OAuthErrorKind.ClientAssertionKey, $"The client assertion key file '{path}' cannot be used: {why}.", null, inner);
}
