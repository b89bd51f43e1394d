using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// What a pool's TLS handshakes said about client certificates, so that a connection a server ended can be named: a
/// host that asked for a certificate where none was configured and has not answered since (it requires one), or a
/// configured certificate no answer ever came back to (the server refused it). A TLS 1.3 server refuses a client
/// certificate only after the client's handshake has finished, so the client sees no more than a connection that ended.
/// </summary>
internal sealed class McpClientCertificateLog
{
    private readonly ConcurrentDictionary<string, byte> _asked = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _answered = new(StringComparer.Ordinal);

    /// <summary>
    /// The client certificate selection of a handler that has none to give: notes the host when its server asks for one
    /// (a call with the server's certificate in hand; the first call, before the handshake, has none), gives none.
    /// </summary>
    public X509Certificate? SelectNone(string targetHost, X509Certificate? remoteCertificate)
    {
        if (remoteCertificate is not null)
        {
            _asked[targetHost] = 0;
        }

        return null;
    }

    /// <summary>An answer came from <paramref name="host"/>, through the handler of <paramref name="certificateKey"/> (a configured certificate's prefix) or the shared one (null).</summary>
    public void Answered(string host, string? certificateKey)
    {
        _asked.TryRemove(host, out _);
        if (certificateKey is not null)
        {
            _answered.TryAdd(certificateKey, 0);
        }
    }

    /// <summary>Whether <paramref name="host"/> asked for a certificate (none given) and has not answered since; the note is taken.</summary>
    public bool TakeAsked(string host) => _asked.TryRemove(host, out _);

    /// <summary>Whether any answer came through the handler of the certificate of <paramref name="certificateKey"/>.</summary>
    public bool EverAnswered(string certificateKey) => _answered.ContainsKey(certificateKey);
}
