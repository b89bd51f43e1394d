using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.ServerRequests;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>Settings of an <see cref="McpClientPool"/>; <see cref="From(ClientConfig, TimeProvider?)"/> takes them from the session's config.</summary>
internal sealed record McpPoolOptions
{
    /// <summary>The default time one operation (connect + request) may take; a call may override it.</summary>
    public TimeSpan Timeout { get; init; } = ClientConfig.DefaultTimeout;

    /// <summary>A PEM file of extra trusted CA certificates (in addition to the system store).</summary>
    public string? TrustedCaPath { get; init; }

    /// <summary>How requests leave: a proxy, none, or the environment's (<see cref="ClientConfig.ProxySettings"/>).</summary>
    public ProxySettings Proxy { get; init; } = ProxySettings.FromEnvironment;

    /// <summary>The client certificates configured for endpoints (<see cref="EndpointCertificateSet.Match"/>); a new set makes a new pool.</summary>
    public EndpointCertificateSet ClientCertificates { get; init; } = EndpointCertificateSet.Empty;

    /// <summary>Reads the environment (its proxy variables, at each request); the process's when null.</summary>
    internal Func<string, string?>? GetEnvironmentVariable { get; init; }

    /// <summary>How often initialize / tools/list / ping are retried after a connection error or 5xx (never tools/call).</summary>
    public int TransientRetries { get; init; } = 2;

    /// <summary>The first delay between transient retries (exponential with jitter).</summary>
    public TimeSpan TransientRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many times in all a request is sent when the server pushes back (429, or 503 with Retry-After when safe to repeat).</summary>
    public int QuotaAttempts { get; init; } = 6;

    /// <summary>The first backoff after a 429 without Retry-After (doubled each time, with jitter).</summary>
    public TimeSpan QuotaRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest Retry-After waited out; a longer one fails at once.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most requests in flight to one endpoint before any push-back (the limiter starts here and never goes above).</summary>
    public int MaxRequestsPerEndpoint { get; init; } = 256;

    /// <summary>The most tools/list pages followed before the listing is declared endless.</summary>
    public int MaxToolPages { get; init; } = 100;

    /// <summary>The most sessions the pool keeps (<see cref="ClientConfig.MaxMcpSessionCount"/>); the least recently used idle one is closed first.</summary>
    public int MaxSessions { get; init; } = ClientConfig.DefaultMaxMcpSessionCount;

    /// <summary>A session unused this long is closed in the background (<see cref="ClientConfig.McpSessionIdle"/>).</summary>
    public TimeSpan IdleTimeout { get; init; } = ClientConfig.DefaultMcpSessionIdle;

    /// <summary>The most bytes one answer may have (a JSON body, or one event of a stream; <see cref="ClientConfig.MaxResponseSizeMB"/>).</summary>
    public long MaxResponseSize { get; init; } = ClientConfig.Default.MaxResponseSizeBytes;

    /// <summary>The clock of idle times and setup timeouts; <see cref="TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>How long a server's request during a call waits for its answer (<see cref="McpElicitation.AnswerTimeout"/>; tests shorten it).</summary>
    internal TimeSpan AnswerTimeout { get; init; } = McpElicitation.AnswerTimeout;

    /// <summary>Replaces the HTTP stack below the auth handler (tests); null uses a pooled SocketsHttpHandler with <see cref="TrustedCaPath"/>.</summary>
    internal Func<HttpMessageHandler>? PrimaryHandlerFactory { get; init; }

    public static McpPoolOptions From(ClientConfig config, TimeProvider? timeProvider = null) => From(config, timeProvider, null);

    internal static McpPoolOptions From(ClientConfig config, TimeProvider? timeProvider, Func<string, string?>? getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new McpPoolOptions
        {
            Timeout = config.Timeout,
            TrustedCaPath = config.TrustedCaPath,
            MaxSessions = config.MaxMcpSessionCount,
            IdleTimeout = config.McpSessionIdle,
            MaxResponseSize = config.MaxResponseSizeBytes,
            TimeProvider = timeProvider,
            Proxy = config.ProxySettings,
            GetEnvironmentVariable = getEnvironmentVariable,
        };
    }
}
