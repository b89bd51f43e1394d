using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Authorization;

namespace AgentGateway.Engine.Tests.Authorization;

/// <summary>
/// A person signing in, as a test plays one: GETs the authorization URL at the sandbox's authorization server (which
/// signs "alice" in at once) without following the redirect, and hands back the Location, changed by
/// <see cref="Tamper"/> if set. Counts its sign-ins; <see cref="Delay"/> holds each one.
/// </summary>
internal sealed class SandboxSignIn : IAuthorizationInteraction, IDisposable
{
    private readonly HttpClient _http;
    private int _count;

    public SandboxSignIn(X509Certificate2 ca)
    {
        _http = new HttpClient(TrustingHandler(ca));
    }

    public bool CanSignIn { get; init; } = true;

    public string? WhyNot => CanSignIn ? null : "the test gave no way to sign in";

    public Func<Uri, Uri>? Tamper { get; init; }

    public TimeSpan Delay { get; init; }

    public int Count => Volatile.Read(ref _count);

    public OAuthSignInRequest? Last { get; private set; }

    public async Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        Last = request;
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        using var response = await _http.GetAsync(request.AuthorizationUrl, cancellationToken);
        var location = response.Headers.Location ?? throw new InvalidOperationException($"The authorization server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var redirected = location.IsAbsoluteUri ? location : new Uri(request.AuthorizationUrl, location);
        return Tamper is null ? redirected : Tamper(redirected);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A handler that trusts the sandbox's CA <paramref name="ca"/> (and no other) and follows no redirect.</summary>
    internal static HttpClientHandler TrustingHandler(X509Certificate2 ca) => new()
    {
        AllowAutoRedirect = false,
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(certificate);
        },
    };
}
