using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// A client certificate (with its key, in memory only) and the MCP endpoints it is presented to: every https URL on the
/// origin of <see cref="Prefix"/> (scheme, host, port) whose path is <see cref="Prefix"/>'s path or lies below it (whole
/// segments: <c>/mcp</c> covers <c>/mcp</c> and <c>/mcp/x</c>, not <c>/mcpx</c>). <see cref="ToString"/> shows no secret.
/// </summary>
internal sealed class EndpointCertificate : IDisposable
{
    public EndpointCertificate(Uri prefix, X509Certificate2 certificate, X509Certificate2Collection? chain, EndpointCertificateSource sourceKind, string source)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Prefix = NormalizePrefix(prefix);
        Certificate = certificate;
        Chain = chain ?? [];
        SourceKind = sourceKind;
        Source = source;
        Fingerprint = ClientCertificateRules.Fingerprint(certificate);
    }

    /// <summary>Where it applies: scheme, host, port and a path prefix (no query, no fragment, no trailing slash but the root's).</summary>
    public Uri Prefix { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent along in the handshake.</summary>
    public X509Certificate2Collection Chain { get; }

    public EndpointCertificateSource SourceKind { get; }

    /// <summary>The file (the certificate's, or the PFX) or the store and thumbprint it came from.</summary>
    public string Source { get; }

    /// <summary>The SHA-256 fingerprint (hex).</summary>
    public string Fingerprint { get; }

    /// <summary>
    /// <paramref name="url"/> as a prefix: an absolute https URL, its path without a trailing slash (the root stays
    /// <c>/</c>), no query or fragment. Throws <see cref="ArgumentException"/> for anything else.
    /// </summary>
    public static Uri NormalizePrefix(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || !string.Equals(url.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{url}' is not an absolute https URL: a client certificate is presented only in a TLS handshake.", nameof(url));
        }

        var path = url.AbsolutePath.Length > 1 ? url.AbsolutePath.TrimEnd('/') : "/";
        return new UriBuilder(url.Scheme, url.Host, url.Port, path.Length == 0 ? "/" : path).Uri;
    }

    /// <summary>How many characters of <paramref name="endpoint"/>'s path this prefix covers (the longer, the closer), or -1 when it does not apply.</summary>
    public int MatchLength(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri
            || !string.Equals(endpoint.Scheme, Prefix.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(endpoint.IdnHost, Prefix.IdnHost, StringComparison.OrdinalIgnoreCase)
            || endpoint.Port != Prefix.Port)
        {
            return -1;
        }

        var prefix = Prefix.AbsolutePath;
        var path = endpoint.AbsolutePath;
        if (prefix == "/")
        {
            return 1;
        }

        return path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/')
            ? prefix.Length
            : -1;
    }

    public override string ToString() => $"{Certificate.Subject} ({Fingerprint[..8]}…) for {Prefix}";

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
    }
}

/// <summary>Where an endpoint's client certificate came from.</summary>
internal enum EndpointCertificateSource
{
    /// <summary>A PEM certificate file and a PEM key file.</summary>
    Pem,

    /// <summary>A PKCS#12 (PFX) file.</summary>
    Pfx,

    /// <summary>The current user's certificate store (My), by thumbprint.</summary>
    Store,
}
