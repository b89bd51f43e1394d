using System.Text.Json;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp;

/// <summary>
/// Test-only stand-in for the token provider: system tokens from the sandbox IAS over mTLS, cached until
/// invalidated (invalidate-if-same). <see cref="IgnoreInvalidate"/> simulates a provider that keeps
/// serving a rejected token, to provoke a second 401.
/// </summary>
internal sealed class SandboxTokenSource : IAccessTokenSource, IDisposable
{
    private readonly SandboxGateway _sandbox;
    private readonly HttpClient _mtls;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AccessToken? _current;
    private int _fetches;
    private int _invalidations;

    public SandboxTokenSource(SandboxGateway sandbox)
    {
        _sandbox = sandbox;
        _mtls = new HttpClient(TlsTrust.CreateHandler(TrustedCaFile.Load(sandbox.CaCertificatePath), sandbox.ClientCertificate));
    }

    public int Fetches => Volatile.Read(ref _fetches);

    public int Invalidations => Volatile.Read(ref _invalidations);

    public bool IgnoreInvalidate { get; set; }

    public async ValueTask<AccessToken> GetTokenAsync(string? userJwt, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } again)
            {
                return again;
            }

            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = _sandbox.ClientId,
                ["grant_type"] = "client_credentials",
                ["response_type"] = "token",
                ["resource"] = "urn:sap:identity:application:provider:name:agent-gateway",
            });
            using var response = await _mtls.PostAsync(_sandbox.TokenServiceUrl, form, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            Interlocked.Increment(ref _fetches);
            var token = new AccessToken(doc.RootElement.GetProperty("access_token").GetString()!, TokenKind.System, DateTimeOffset.UtcNow.AddMinutes(30));
            Volatile.Write(ref _current, token);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate(string? userJwt, AccessToken rejected)
    {
        Interlocked.Increment(ref _invalidations);
        if (!IgnoreInvalidate)
        {
            Interlocked.CompareExchange(ref _current, null, rejected);
        }
    }

    public void Dispose()
    {
        _mtls.Dispose();
        _gate.Dispose();
    }
}
