using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Builds the client certificate (with its RSA or EC private key) from PEM text, in memory only.
/// Garbage, a key that does not belong to the certificate, or a certificate outside its validity
/// period each give a <see cref="CredentialException"/> naming the problem, never the PEM.
/// </summary>
internal static class ClientCertificateLoader
{
    private const string CertificateField = "certificate";
    private const string KeyField = "privateKey";

    /// <returns>The certificate with its key, and any further certificates of the PEM (intermediates).</returns>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load(
        string certificatePem, string privateKeyPem, DateTimeOffset now, CredentialSourceKind sourceKind = CredentialSourceKind.None, string? location = null)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);

        Exception Error(string field, string problem, Exception? inner, ClientCertificateErrorKind kind)
        {
            var where = location is null ? "Credentials" : $"Credentials file '{location}'";
            return new CredentialException($"{where}: field '{field}' {problem}", sourceKind, location, field, inner);
        }

        return Load(certificatePem, privateKeyPem, allowEncryptedKey: false, null, now, Error);
    }

    /// <summary>
    /// The certificate of <paramref name="certificatePem"/> with the key of <paramref name="privateKeyPem"/> (an encrypted
    /// one, when <paramref name="allowEncryptedKey"/>, decrypted with <paramref name="password"/>), checked by <see cref="ClientCertificateRules"/>; every problem is
    /// made into an exception by <paramref name="error"/> (the field, a phrase after the field, the cause, the kind).
    /// </summary>
    internal static (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load(
        string certificatePem, string privateKeyPem, bool allowEncryptedKey, string? password, DateTimeOffset now, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        var certificates = ReadCertificates(certificatePem, error);
        var leaf = certificates[0];
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
        {
            chain.Add(certificates[i]);
        }

        try
        {
            if (ClientCertificateRules.Check(leaf, now, requirePrivateKey: false) is { } problem)
            {
                throw error(CertificateField, "holds " + problem.Problem, null, problem.Kind);
            }

            var keyBlock = FindKeyBlock(privateKeyPem, allowEncryptedKey, error);
            var withKey = AttachKey(leaf, keyBlock, password, error);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key from CreateFromPem/CopyWithPrivateKey for client
                // authentication; a PKCS#12 round trip (in memory) gives it a key it accepts.
                var pfx = withKey.Export(X509ContentType.Pkcs12);
                try
                {
                    var reloaded = X509CertificateLoader.LoadPkcs12(pfx, null);
                    withKey.Dispose();
                    withKey = reloaded;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pfx);
                }
            }

            return (withKey, chain);
        }
        catch
        {
            foreach (var c in chain)
            {
                c.Dispose();
            }

            throw;
        }
        finally
        {
            leaf.Dispose();
        }
    }

    private static List<X509Certificate2> ReadCertificates(string pem, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        var list = new List<X509Certificate2>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written))
                {
                    throw error(CertificateField, "holds a CERTIFICATE block whose base64 is invalid.", null, ClientCertificateErrorKind.Invalid);
                }

                try
                {
                    list.Add(X509CertificateLoader.LoadCertificate(der.AsSpan(0, written)));
                }
                catch (CryptographicException e)
                {
                    foreach (var c in list)
                    {
                        c.Dispose();
                    }

                    throw error(CertificateField, "holds a CERTIFICATE block that is not a valid X.509 certificate.", e, ClientCertificateErrorKind.Invalid);
                }
            }

            rest = rest[fields.Location.End..];
        }

        return list.Count > 0
            ? list
            : throw error(CertificateField, "holds no PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block).", null, ClientCertificateErrorKind.Invalid);
    }

    private static string FindKeyBlock(string pem, bool mayBeEncrypted, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual("ENCRYPTED PRIVATE KEY"))
            {
                return mayBeEncrypted
                    ? rest[fields.Location].ToString()
                    : throw error(KeyField, "holds an encrypted private key; provide it unencrypted (PKCS#8, PKCS#1 or SEC1 PEM).", null, ClientCertificateErrorKind.WrongPassword);
            }

            if (label.SequenceEqual("PRIVATE KEY") || label.SequenceEqual("RSA PRIVATE KEY") || label.SequenceEqual("EC PRIVATE KEY"))
            {
                return rest[fields.Location].ToString();
            }

            rest = rest[fields.Location.End..];
        }

        throw error(KeyField, "holds no PEM private key (expected a '-----BEGIN PRIVATE KEY-----', RSA or EC PRIVATE KEY block).", null, ClientCertificateErrorKind.NoPrivateKey);
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string keyBlock, string? password, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        using var rsaPublic = certificate.GetRSAPublicKey();
        if (rsaPublic is not null)
        {
            using var rsa = RSA.Create();
            Import(rsa, keyBlock, password, "RSA", error);
            EnsureMatches(rsa.ExportSubjectPublicKeyInfo(), certificate, error);
            return certificate.CopyWithPrivateKey(rsa);
        }

        using var ecPublic = certificate.GetECDsaPublicKey();
        if (ecPublic is not null)
        {
            using var ec = ECDsa.Create();
            Import(ec, keyBlock, password, "EC", error);
            EnsureMatches(ec.ExportSubjectPublicKeyInfo(), certificate, error);
            return certificate.CopyWithPrivateKey(ec);
        }

        throw error(CertificateField, $"holds a certificate with an unsupported key algorithm ({certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}); use RSA or EC.", null, ClientCertificateErrorKind.Invalid);
    }

    private static void Import(AsymmetricAlgorithm key, string keyBlock, string? password, string algorithm, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        var encrypted = keyBlock.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && password is null)
        {
            throw error(KeyField, "is an encrypted private key, and no password was given for it.", null, ClientCertificateErrorKind.WrongPassword);
        }

        try
        {
            if (encrypted)
            {
                key.ImportFromEncryptedPem(keyBlock, password);
            }
            else
            {
                key.ImportFromPem(keyBlock);
            }
        }
        catch (Exception e) when (encrypted && e is CryptographicException)
        {
            throw error(KeyField, $"is an encrypted private key that the password given does not open (or not a valid {algorithm} key).", e, ClientCertificateErrorKind.WrongPassword);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw error(KeyField, $"is not a valid {algorithm} private key, as the certificate requires (wrong algorithm or damaged PEM).", e, ClientCertificateErrorKind.Invalid);
        }
    }

    private static void EnsureMatches(byte[] keySubjectPublicKeyInfo, X509Certificate2 certificate, Func<string, string, Exception?, ClientCertificateErrorKind, Exception> error)
    {
        if (!keySubjectPublicKeyInfo.AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw error(KeyField, $"does not belong to the certificate (subject {certificate.Subject}): the public keys differ.", null, ClientCertificateErrorKind.Invalid);
        }
    }
}
