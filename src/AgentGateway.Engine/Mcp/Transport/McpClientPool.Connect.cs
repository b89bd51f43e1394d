using System.Collections.Concurrent;
using AgentGateway.Engine.Concurrency;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp.Negotiation;
using AgentGateway.Engine.Mcp.ServerRequests;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A session set up and pooled: the connection (a revision negotiated, or a local server's process), its transport and
/// HTTP handler chain (response guard, quota, the endpoint's client certificate), and each endpoint's concurrency limit.
/// </summary>
internal sealed partial class McpClientPool
{
    /// <summary>One setup (run once per key by <see cref="SingleFlight{TKey, TValue}"/>): connect, then pool the session.</summary>
    private async Task<McpPooledClient> SetUpAsync(Uri endpoint, McpAuth auth, PoolKey key, CancellationToken cancellationToken)
    {
        int generation;
        lock (_gate)
        {
            generation = _generation;
        }

        var session = await ConnectAsync(endpoint, auth, key, cancellationToken).ConfigureAwait(false);

        var pooled = false;
        lock (_gate)
        {
            if (generation == _generation && Volatile.Read(ref _disposed) == 0)
            {
                if (_sessions.Remove(key, out var replaced))
                {
                    _recency.Remove(replaced);
                    CloseLocked(replaced.Value, "replaced by a new session");
                }

                session.LastUsed = _time.GetTimestamp();
                _sessions[key] = _recency.AddFirst(session);
                pooled = true;
                TrimLocked();
            }
        }

        if (!pooled)
        {
            // The pool was cleared or disposed meanwhile: this session belongs to the time before.
            await session.DisposeAsync().ConfigureAwait(false);
        }

        return session;
    }

    private async Task<McpPooledClient> ConnectAsync(Uri endpoint, McpAuth auth, PoolKey key, CancellationToken cancellationToken)
    {
        // What the server asks or logs during a call reaches that call (see McpServerRequests); elicitation is declared, nothing else.
        var requests = new McpServerRequests(endpoint) { AnswerTimeout = Options.AnswerTimeout };
        McpClientOptions NewOptions(string? revision) => new()
        {
            ClientInfo = s_clientInfo,
            ProtocolVersion = revision,
            InitializationTimeout = Options.Timeout,
            Capabilities = McpServerRequests.Capabilities(),
            Handlers = requests.Handlers(),
        };

        // A local server is one process per connection: one initialize, no probe for a newer revision (a probe would start a second process).
        var client = McpLocalServer.IsLocal(endpoint)
            ? await McpClient.CreateAsync(NewTransport(endpoint, auth, firstContact: false), NewOptions(null), loggerFactory: null, cancellationToken).ConfigureAwait(false)
            : await _negotiation.ConnectAsync(endpoint, firstContact => NewTransport(endpoint, auth, firstContact), NewOptions, cancellationToken).ConfigureAwait(false);
        if (McpLocalServer.IsLocal(endpoint))
        {
            // Kept as an HTTP server's is, so whatever shows a server's revision shows a local one's.
            _negotiation.Remember(endpoint, client.NegotiatedProtocolVersion ?? McpNegotiation.NewestInitializeRevision);
        }

        // A server that says its tools changed (on a stream this client reads anyway): whoever keeps listings drops its.
        client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            ToolListChanged?.Invoke(endpoint);
            return default;
        });
        var session = new McpPooledClient(key, endpoint, client, requests);
        CallLog.Verbose($"MCP session to {endpoint} created for {auth.DescribeFor(endpoint)} ({session.Describe()}).");
        return session;
    }

    private IClientTransport NewTransport(Uri endpoint, McpAuth auth, bool firstContact)
    {
        if (McpLocalServer.IsLocal(endpoint))
        {
            // A local server: its own process over stdio; no HTTP, no handler chain, no token.
            return (LocalServers?.Find(endpoint) ?? throw McpGatewayException.Connection($"No local MCP server is known as '{endpoint}' in this runspace.", endpoint))
                .NewTransport(Options.Timeout < TimeSpan.FromSeconds(5) ? Options.Timeout : TimeSpan.FromSeconds(5), Options.MaxResponseSize);
        }

        // Below the auth handler, the guard: every answer read is bounded and checked (each attempt's, a resend's too). An
        // endpoint with a client certificate of its own gets a handler (and connections) of its own: no other endpoint
        // shares a connection that presented it.
        var certificate = Options.ClientCertificates.Match(endpoint);
        var socket = certificate is null ? _primaryHandler.Value : _certificateHandlers.GetOrAdd(certificate, NewCertificateHandler).Value;
        var answers = new McpClientCertificateAnswerHandler(CertificateLog, certificate?.Prefix.AbsoluteUri) { InnerHandler = socket };
        var guard = new McpResponseGuard(Options.MaxResponseSize) { InnerHandler = answers };
        var quota = new McpQuotaHandler(LimitOf(endpoint), Options.QuotaAttempts, Options.QuotaRetryDelay, Options.MaxRetryAfter, Options.TimeProvider);
        HttpMessageHandler handler = McpHandlerChain.Create(auth, Options.TransientRetries, Options.TransientRetryDelay, guard, quota);
        if (firstContact)
        {
            handler = new DiscoveryCheckHandler { InnerHandler = handler };
        }

        var httpClient = new HttpClient(handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        return new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
                OwnsSession = true,
                Name = endpoint.AbsoluteUri,
            },
            httpClient,
            loggerFactory: null,
            ownsHttpClient: true);
    }

    /// <summary>The limiter of requests in flight to <paramref name="endpoint"/> (one per endpoint, shared by every client of it in this pool).</summary>
    public AdaptiveConcurrencyLimit LimitOf(Uri endpoint) =>
        _limits.GetOrAdd(endpoint.GetLeftPart(UriPartial.Path), _ => new AdaptiveConcurrencyLimit(Options.MaxRequestsPerEndpoint, Options.TimeProvider));

    /// <summary>The limiter of <paramref name="endpoint"/> if a request went there.</summary>
    internal bool HasLimit(Uri endpoint, out AdaptiveConcurrencyLimit limit) => _limits.TryGetValue(endpoint.GetLeftPart(UriPartial.Path), out limit!);

    private readonly ConcurrentDictionary<string, AdaptiveConcurrencyLimit> _limits = new(StringComparer.Ordinal);

    private HttpMessageHandler CreatePrimaryHandler()
    {
        if (Options.PrimaryHandlerFactory is { } factory)
        {
            return factory();
        }

        // No certificate to give: a server that asks for one is noted (McpClientCertificateLog), so its refusal can be named.
        return TlsTrust.CreateStack(
            Options.Proxy, Options.GetEnvironmentVariable, TrustedRoots(), null, null, TlsFailures, h => h.SslOptions.LocalCertificateSelectionCallback = (_, host, _, remote, _) => CertificateLog.SelectNone(host, remote));
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TrustedRoots()
    {
        try
        {
            return Options.TrustedCaPath is { } path ? TrustedCaFile.Load(path) : null;
        }
        catch (ClientConfigException e)
        {
            throw McpGatewayException.Configuration(e.Message, e);
        }
    }
}
