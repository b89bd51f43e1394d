using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Configuration;

/// <summary>The file of <see cref="ClientConfig.TrustedCaPath"/>: the CA certificates trusted beside the system store.</summary>
internal static class TrustedCaFile
{
    /// <summary>Reads every CERTIFICATE block of a PEM file; an unreadable or empty file throws <see cref="ClientConfigException"/> naming TrustedCaPath.</summary>
    public static X509Certificate2Collection Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClientConfigException(nameof(ClientConfig.TrustedCaPath), $"TrustedCaPath '{path}' cannot be read: {e.Message}");
        }
        catch (CryptographicException e)
        {
            throw new ClientConfigException(nameof(ClientConfig.TrustedCaPath), $"TrustedCaPath '{path}' holds a certificate that cannot be read: {e.Message}");
        }

        return roots.Count > 0
            ? roots
            : throw new ClientConfigException(nameof(ClientConfig.TrustedCaPath), $"TrustedCaPath '{path}' holds no PEM certificate ('-----BEGIN CERTIFICATE-----').");
    }
}
