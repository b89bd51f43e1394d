namespace AgentGateway.Engine.Credentials;

/// <summary>
/// The client certificates configured for MCP endpoints at one moment: immutable, replaced whole by
/// <see cref="EndpointCertificates"/> on every change (so that an MCP client pool made with one knows it is stale by
/// reference).
/// </summary>
internal sealed class EndpointCertificateSet
{
    public static EndpointCertificateSet Empty { get; } = new([]);

    public EndpointCertificateSet(IReadOnlyList<EndpointCertificate> bindings) => Bindings = bindings;

    /// <summary>The certificates, by prefix in ordinal order.</summary>
    public IReadOnlyList<EndpointCertificate> Bindings { get; }

    /// <summary>The certificate presented to <paramref name="endpoint"/>: the one of the longest prefix that covers it, or null.</summary>
    public EndpointCertificate? Match(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        EndpointCertificate? best = null;
        var bestLength = -1;
        foreach (var binding in Bindings)
        {
            var length = binding.MatchLength(endpoint);
            if (length > bestLength)
            {
                best = binding;
                bestLength = length;
            }
        }

        return best;
    }
}
