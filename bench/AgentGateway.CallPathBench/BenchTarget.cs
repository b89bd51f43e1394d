using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Negotiation;

namespace AgentGateway.CallPathBench;

/// <summary>
/// What every scenario talks to: the credentials the engine's loader finds (the sandbox's service
/// binding under <c>SERVICE_BINDING_ROOT</c>), the sandbox CA as an extra trusted root, and the MCP
/// endpoint of one dependency. Holds no token.
/// </summary>
public sealed class BenchTarget : IDisposable
{
    private BenchTarget(string ordId, string trustedCaPath, AgentCredentials credentials, X509Certificate2Collection trustedRoots, Uri endpoint)
    {
        OrdId = ordId;
        TrustedCaPath = trustedCaPath;
        Credentials = credentials;
        TrustedRoots = trustedRoots;
        Endpoint = endpoint;
    }

    /// <summary>The echo tool every scenario calls, and its one argument.</summary>
    public const string ToolName = "echo";

    public const string Message = "bench";

    public string OrdId { get; }

    public string TrustedCaPath { get; }

    internal AgentCredentials Credentials { get; }

    public X509Certificate2Collection TrustedRoots { get; }

    public Uri Endpoint { get; }

    /// <summary>The newest revision with initialize (the sandbox's stateful servers answer it; see <see cref="McpNegotiation"/>).</summary>
    public static string ProtocolVersion => McpNegotiation.NewestInitializeRevision;

    /// <summary>Loads the credentials as the engine does (no network) and resolves the endpoint of <paramref name="ordId"/>.</summary>
    public static BenchTarget Create(string ordId, string trustedCaPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(ordId);
        ArgumentException.ThrowIfNullOrEmpty(trustedCaPath);
        var credentials = CredentialLoader.Load(CredentialSourceLocator.Locate(null));
        try
        {
            // A dependency of the credentials, else a server on the same gateway and tenant (the sandbox's revision servers).
            var dependency = credentials.Dependencies.FirstOrDefault(d => string.Equals(d.OrdId, ordId, StringComparison.OrdinalIgnoreCase))
                ?? (credentials.Dependencies.Count > 0 ? new IntegrationDependency(ordId, credentials.Dependencies[0].GlobalTenantId)
                    : throw new InvalidOperationException($"The credentials name no dependency '{ordId}'."));
            var endpoint = McpEndpoints.Build(credentials.GatewayUrl.AbsoluteUri, dependency);
            return new BenchTarget(ordId, trustedCaPath, credentials, TrustedCaFile.Load(trustedCaPath), endpoint);
        }
        catch
        {
            credentials.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Credentials.Dispose();
        foreach (var root in TrustedRoots)
        {
            root.Dispose();
        }
    }
}
