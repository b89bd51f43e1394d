namespace AgentGateway.Engine.Credentials;

/// <summary>
/// The client certificates of a runspace's MCP endpoints (in memory only): set per prefix, replaced, removed. Each change
/// makes a new <see cref="Current"/>. A certificate replaced or removed stays alive (an MCP client pool made with an older
/// set may still be closing its sessions with it) until the runspace closes, when every one is disposed.
/// </summary>
internal sealed class EndpointCertificates : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<EndpointCertificate> _retired = [];
    private EndpointCertificateSet _current = EndpointCertificateSet.Empty;
    private bool _disposed;

    /// <summary>The certificates in force.</summary>
    public EndpointCertificateSet Current => Volatile.Read(ref _current);

    /// <summary>Sets <paramref name="binding"/> for its prefix, replacing the one set for the same prefix (returned, retired).</summary>
    public EndpointCertificate? Set(EndpointCertificate binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var replaced = _current.Bindings.FirstOrDefault(b => b.Prefix == binding.Prefix);
            Volatile.Write(ref _current, new EndpointCertificateSet([.. _current.Bindings.Where(b => b.Prefix != binding.Prefix).Append(binding).OrderBy(b => b.Prefix.AbsoluteUri, StringComparer.Ordinal)]));
            if (replaced is not null)
            {
                _retired.Add(replaced);
            }

            return replaced;
        }
    }

    /// <summary>Removes the certificate of exactly <paramref name="prefix"/> (normalized as <see cref="EndpointCertificate.NormalizePrefix"/> does); the one removed, or null.</summary>
    public EndpointCertificate? Remove(Uri prefix)
    {
        var key = EndpointCertificate.NormalizePrefix(prefix);
        lock (_gate)
        {
            var removed = _current.Bindings.FirstOrDefault(b => b.Prefix == key);
            if (removed is not null)
            {
                Volatile.Write(ref _current, new EndpointCertificateSet([.. _current.Bindings.Where(b => !ReferenceEquals(b, removed))]));
                _retired.Add(removed);
            }

            return removed;
        }
    }

    public void Dispose()
    {
        List<EndpointCertificate> all;
        lock (_gate)
        {
            _disposed = true;
            all = [.. _retired, .. _current.Bindings];
            _retired.Clear();
            _current = EndpointCertificateSet.Empty;
        }

        foreach (var binding in all)
        {
            binding.Dispose();
        }
    }
}
