namespace AgentGateway.Engine.Http;

/// <summary>
/// The transport rule, for every request the module makes (token service and MCP endpoints alike): no client
/// secret, bearer token or user JWT over plain http except to a loopback address (a local proxy or a test server).
/// </summary>
internal static class TransportRule
{
    /// <summary>
    /// Whether a bearer token may travel to <paramref name="endpoint"/>: over https always, over plain
    /// http only to a loopback address (localhost, 127.0.0.0/8, ::1).
    /// </summary>
    public static bool MaySendBearerTo(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback);
    }
}
