using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Loads the client certificate of an MCP endpoint, in memory only: a PEM certificate and key (the key optionally
/// encrypted), a PFX with its password, or a certificate of the current user's store (My) by thumbprint. Each is checked
/// as the gateway's is (<see cref="ClientCertificateRules"/>). Failures are <see cref="ClientCertificateException"/>s
/// naming the source and the problem, never a key, a password or a certificate body.
/// </summary>
internal static class EndpointCertificateLoader
{
    /// <summary>The certificate of <paramref name="certificatePath"/> (PEM, intermediates may follow) with the key of <paramref name="keyPath"/>.</summary>
    public static EndpointCertificate FromPem(Uri prefix, string certificatePath, string keyPath, string? password, DateTimeOffset now)
    {
        var certificatePem = ReadText(certificatePath, "certificate");
        var keyPem = ReadText(keyPath, "key");
        Exception Error(string field, string problem, Exception? inner, ClientCertificateErrorKind kind)
        {
            var (file, what) = field == "certificate" ? (certificatePath, "certificate file") : (keyPath, "key file");
            return new ClientCertificateException($"The {what} '{file}' {problem}", kind, file, inner);
        }

        var (certificate, chain) = ClientCertificateLoader.Load(certificatePem, keyPem, allowEncryptedKey: true, password, now, Error);
        return new EndpointCertificate(prefix, certificate, chain, EndpointCertificateSource.Pem, certificatePath);
    }

    /// <summary>The certificate with a private key of the PFX <paramref name="path"/> (the others: intermediates), opened with <paramref name="password"/>.</summary>
    public static EndpointCertificate FromPfx(Uri prefix, string path, string? password, DateTimeOffset now)
    {
        EnsureExists(path, "PFX file");
        X509Certificate2Collection all;
        try
        {
            if (X509Certificate2.GetCertContentType(path) != X509ContentType.Pkcs12)
            {
                throw new ClientCertificateException($"The file '{path}' is not a PFX (PKCS#12) file.", ClientCertificateErrorKind.Invalid, path);
            }

            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password, KeyStorage);
        }
        catch (CryptographicException e)
        {
            throw new ClientCertificateException($"The PFX file '{path}' could not be opened: the password is wrong{(password is null ? " (none was given)" : string.Empty)}, or the file is damaged.", ClientCertificateErrorKind.WrongPassword, path, e);
        }

        var leaf = all.FirstOrDefault(c => c.HasPrivateKey);
        if (leaf is null)
        {
            var subject = all.Count > 0 ? all[0].Subject : "none";
            Dispose(all);
            throw new ClientCertificateException($"The PFX file '{path}' holds no certificate with its private key (subject {subject}).", ClientCertificateErrorKind.NoPrivateKey, path);
        }

        var chain = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (!ReferenceEquals(certificate, leaf))
            {
                chain.Add(certificate);
            }
        }

        return Checked(new EndpointCertificate(prefix, leaf, chain, EndpointCertificateSource.Pfx, path), $"The PFX file '{path}' holds ", now);
    }

    /// <summary>The certificate of the current user's store (My) whose SHA-1 thumbprint is <paramref name="thumbprint"/> (hex; spaces and colons are ignored).</summary>
    public static EndpointCertificate FromStore(Uri prefix, string thumbprint, DateTimeOffset now, StoreName storeName = StoreName.My, StoreLocation location = StoreLocation.CurrentUser)
    {
        ArgumentNullException.ThrowIfNull(thumbprint);
        var wanted = new string([.. thumbprint.Where(Uri.IsHexDigit)]).ToUpperInvariant();
        var source = $"Cert:\\{location}\\{storeName}\\{wanted}";
        if (wanted.Length != 40)
        {
            throw new ClientCertificateException($"'{thumbprint}' is not a certificate thumbprint (40 hex digits, SHA-1).", ClientCertificateErrorKind.NotInStore, source);
        }

        using var store = new X509Store(storeName, location);
        X509Certificate2Collection found;
        try
        {
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false);
        }
        catch (CryptographicException e)
        {
            throw new ClientCertificateException($"The certificate store {location}\\{storeName} could not be opened, so no certificate with thumbprint {wanted} was found in it: {e.Message}", ClientCertificateErrorKind.NotInStore, source, e);
        }

        try
        {
            if (found.Count == 0)
            {
                throw new ClientCertificateException($"No certificate with thumbprint {wanted} is in the certificate store {location}\\{storeName}.", ClientCertificateErrorKind.NotInStore, source);
            }

            var certificate = found[0];
            found.RemoveAt(0);
            return Checked(new EndpointCertificate(prefix, certificate, null, EndpointCertificateSource.Store, source), $"The certificate store {location}\\{storeName} holds under thumbprint {wanted} ", now);
        }
        finally
        {
            Dispose(found);
            foreach (var certificate in store.Certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>On Linux the key stays in memory (ephemeral); elsewhere the platform's TLS needs it in a key set of its own.</summary>
    private static X509KeyStorageFlags KeyStorage => OperatingSystem.IsLinux() ? X509KeyStorageFlags.EphemeralKeySet : X509KeyStorageFlags.DefaultKeySet;

    private static EndpointCertificate Checked(EndpointCertificate binding, string where, DateTimeOffset? now = null)
    {
        if (ClientCertificateRules.Check(binding.Certificate, now ?? DateTimeOffset.UtcNow) is { } problem)
        {
            var source = binding.Source;
            binding.Dispose();
            throw new ClientCertificateException(where + problem.Problem, problem.Kind, source);
        }

        return binding;
    }

    private static string ReadText(string path, string what)
    {
        EnsureExists(path, what + " file");
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClientCertificateException($"The {what} file '{path}' could not be read: {e.Message}", ClientCertificateErrorKind.Invalid, path, e);
        }
    }

    private static void EnsureExists(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ClientCertificateException($"The {what} '{path}' does not exist.", ClientCertificateErrorKind.FileNotFound, path);
        }
    }

    private static void Dispose(X509Certificate2Collection certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
