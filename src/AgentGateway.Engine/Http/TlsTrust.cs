using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Http;

/// <summary>
/// Server-certificate trust shared by the token client and the MCP layer: the system store, plus
/// the CA certificates of the config's TrustedCaPath when set (read by <see cref="Configuration.TrustedCaFile"/>). Verification is never
/// switched off: a host-name mismatch or a missing certificate always fails, and a chain the system
/// rejects passes only if it builds to one of the extra roots.
/// </summary>
internal static class TlsTrust
{
    /// <summary>
    /// A pooled handler trusting the system store plus <paramref name="trustedRoots"/>, presenting
    /// <paramref name="clientCertificate"/> (with <paramref name="clientChain"/>) when given.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(
        X509Certificate2Collection? trustedRoots,
        X509Certificate2? clientCertificate = null,
        X509Certificate2Collection? clientChain = null,
        TlsFailureLog? failures = null)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        Configure(handler, trustedRoots, clientCertificate, clientChain, failures);
        return handler;
    }

    /// <summary>
    /// The whole stack of a client: a pooled handler as <see cref="CreateHandler"/> makes, going out as
    /// <paramref name="proxy"/> says (<see cref="ProxySettings.RouteFor"/>, the environment read at each request through
    /// <paramref name="getEnvironmentVariable"/>), under a <see cref="ProxyErrorHandler"/> that names the proxy when it fails a request.
    /// </summary>
    public static HttpMessageHandler CreateStack(
        ProxySettings proxy,
        Func<string, string?>? getEnvironmentVariable,
        X509Certificate2Collection? trustedRoots,
        X509Certificate2? clientCertificate = null,
        X509Certificate2Collection? clientChain = null,
        TlsFailureLog? failures = null) =>
        CreateStack(proxy, getEnvironmentVariable, trustedRoots, clientCertificate, clientChain, failures, null);

    /// <summary><see cref="CreateStack(ProxySettings, Func{string, string?}?, X509Certificate2Collection?, X509Certificate2?, X509Certificate2Collection?, TlsFailureLog?)"/>, with the socket handler handed to <paramref name="configure"/> last (a probe that watches the handshake).</summary>
    internal static HttpMessageHandler CreateStack(
        ProxySettings proxy,
        Func<string, string?>? getEnvironmentVariable,
        X509Certificate2Collection? trustedRoots,
        X509Certificate2? clientCertificate,
        X509Certificate2Collection? clientChain,
        TlsFailureLog? failures,
        Action<SocketsHttpHandler>? configure)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        var handler = CreateHandler(trustedRoots, clientCertificate, clientChain, failures);
        configure?.Invoke(handler);
        var route = new ClientProxy(proxy, getEnvironmentVariable);
        handler.UseProxy = !proxy.Disabled;
        handler.Proxy = proxy.Disabled ? null : route;
        return new ProxyErrorHandler(route, handler);
    }

    /// <summary>
    /// Sets the server validation and, when given, the client certificate of <paramref name="handler"/>.
    /// A certificate refused is described in <paramref name="failures"/> (the host, the chain status), so the
    /// error can name the root cause instead of the handshake's "see inner exception".
    /// </summary>
    public static void Configure(
        SocketsHttpHandler handler,
        X509Certificate2Collection? trustedRoots,
        X509Certificate2? clientCertificate = null,
        X509Certificate2Collection? clientChain = null,
        TlsFailureLog? failures = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var roots = trustedRoots is { Count: > 0 } ? trustedRoots : null;
        if (roots is not null || failures is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                var problem = Check(certificate as X509Certificate2, chain, errors, roots);
                if (problem is not null)
                {
                    failures?.Record((sender as SslStream)?.TargetHostName, problem);
                }

                return problem is null;
            };
        }

        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(
                clientCertificate, clientChain is { Count: > 0 } ? clientChain : null, offline: true);
        }
    }

    /// <summary>
    /// The validation rule: accepted when the platform accepts it; else, when the only problem is the
    /// chain, accepted if it builds to one of <paramref name="trustedRoots"/> under the same rules as the
    /// system store: validity period, and the server-authentication usage when the certificate names its usages.
    /// </summary>
    public static bool IsTrusted(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? trustedRoots) =>
        Check(certificate, presented, errors, trustedRoots) is null;

    /// <summary>Null when trusted (see <see cref="IsTrusted"/>); else what is wrong, for an error message.</summary>
    public static string? Check(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? trustedRoots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server presented no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the server certificate ({certificate.Subject}) is not issued for this host name";
        }

        if (trustedRoots is not { Count: > 0 })
        {
            return $"the server certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not trusted by the system store: {Describe(presented)}";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthenticationOid));
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        return chain.Build(certificate)
            ? null
            : $"the server certificate ({certificate.Subject}, issued by {certificate.Issuer}) is trusted neither by the system store nor by the TrustedCaPath roots: {Describe(chain)}";
    }

    /// <summary>The extended key usage a TLS server certificate needs (id-kp-serverAuth).</summary>
    public const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    private static string Describe(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.Status.ToString()).Distinct().ToArray() ?? [];
        return statuses.Length == 0 ? "the chain did not build" : string.Join(", ", statuses);
    }
}
