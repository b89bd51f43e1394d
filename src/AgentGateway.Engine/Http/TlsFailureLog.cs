namespace AgentGateway.Engine.Http;

/// <summary>
/// The last certificate problem seen per host by one handler's validation (bounded: one entry a host, at most
/// 64 hosts), so a failed request can say why the handshake failed.
/// </summary>
internal sealed class TlsFailureLog
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _byHost = new(StringComparer.OrdinalIgnoreCase);

    internal void Record(string? host, string problem)
    {
        if (_byHost.Count >= 64)
        {
            _byHost.Clear();
        }

        _byHost[host ?? string.Empty] = problem;
    }

    /// <summary>Takes the problem recorded for <paramref name="host"/>, if any.</summary>
    public bool TryTake(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? problem) =>
        _byHost.TryRemove(host, out problem);
}
