using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Sandbox.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Sandbox;

/// <summary>
/// A local Agent Gateway for tests and the demo: an mTLS token service (IAS), MCP servers behind
/// <c>/v1/mcp/{ordId}/{globalTenantId}</c>, and a plain-HTTP admin API. Everything binds 127.0.0.1 on free ports.
/// </summary>
public sealed partial class SandboxGateway : IAsyncDisposable, ISandboxListing
{
    private readonly SandboxOptions _options;
    private readonly SandboxCertificates _certs;
    private readonly TokenService _tokens;
    private readonly string _tempDir;
    private readonly List<WebApplication> _apps = [];
    private readonly List<SandboxDependency> _dependencies;
    private readonly List<SandboxDependency> _revisionServers;
    private readonly Dictionary<SandboxServerKind, Uri> _innerServers = [];
    private readonly HttpClient _proxy = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Dictionary<string, SandboxLegacyServer> _handWritten = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<HttpContext, Task>> _hostile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxServer> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _liveSessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _forgottenSessions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastCorrelationId;
    private string? _lastTraceParent;
    private string? _lastMetaTraceParent;
    private string? _lastTokenTraceParent;
    private long _mcpDelayTicks;
    private int _schemaRevision = 1;
    private long _toolListTtlMs = -1;
    private object? _toolListCacheScope;
    private int _disposed;

    private SandboxGateway(SandboxOptions options)
    {
        _options = options;
        ClientId = options.ClientId;
        _certs = SandboxCertificates.Create(ClientId);
        _tokens = new TokenService(ClientId, options, Stats);
        _tempDir = Directory.CreateTempSubdirectory("agw-sandbox-").FullName;
        CaCertificatePath = Path.Combine(_tempDir, "sandbox-ca.pem");
        File.WriteAllText(CaCertificatePath, _certs.CaPem);
        _dependencies =
        [
            new SandboxDependency("sap.sandbox:mcpServer:travel:v1", options.GlobalTenantId, "sandbox-travel"),
            new SandboxDependency("sap.sandbox:mcpServer:crm:v1", options.GlobalTenantId, "sandbox-crm"),
            new SandboxDependency("sap.sandbox:mcpServer:catalog:v1", options.GlobalTenantId, "sandbox-catalog"),
            new SandboxDependency("sap.sandbox:mcpServer:offline:v1", options.GlobalTenantId, null),
        ];
        _servers[_dependencies[0].OrdId] = SandboxServers.Travel();
        _servers[_dependencies[1].OrdId] = SandboxServers.Crm();
        _servers[_dependencies[2].OrdId] = SandboxServers.Catalog(options.ToolsPageSize);
        if (options.ShapeServers)
        {
            AddServerBeforeTheDownOne(new SandboxDependency("sap.sandbox:mcpServer:shapes:v1", options.GlobalTenantId, "sandbox-shapes"), SandboxShapeServers.Shapes());
            AddServerBeforeTheDownOne(new SandboxDependency("sap.sandbox:mcpServer:shapes-twin:v1", options.GlobalTenantId, "sandbox-shapes-twin"), SandboxShapeServers.ShapesTwin());
        }

        // Servers of other session modes and revisions: routed on the gateway like the others, but not named by the
        // credentials (so listings of every dependency stay as they are); reach them with McpEndpoint / -Uri.
        _revisionServers =
        [
            new SandboxDependency("sap.sandbox:mcpServer:stateless:v1", options.GlobalTenantId, "sandbox-stateless") { Kind = SandboxServerKind.Stateless },
            new SandboxDependency("sap.sandbox:mcpServer:mixed:v1", options.GlobalTenantId, "sandbox-mixed") { Kind = SandboxServerKind.Mixed },
            new SandboxDependency("sap.sandbox:mcpServer:legacy:v1", options.GlobalTenantId, "sandbox-legacy") { Kind = SandboxServerKind.Legacy },
            new SandboxDependency("sap.sandbox:mcpServer:desk:v1", options.GlobalTenantId, "sandbox-desk"),
            new SandboxDependency("sap.sandbox:mcpServer:probe-empty:v1", options.GlobalTenantId, "sandbox-probe-empty") { Kind = SandboxServerKind.Legacy },
            new SandboxDependency("sap.sandbox:mcpServer:probe-malformed:v1", options.GlobalTenantId, "sandbox-probe-malformed") { Kind = SandboxServerKind.Legacy },
            new SandboxDependency("sap.sandbox:mcpServer:probe-status:v1", options.GlobalTenantId, "sandbox-probe-status") { Kind = SandboxServerKind.Legacy },
            new SandboxDependency("sap.sandbox:mcpServer:hostile-results:v1", options.GlobalTenantId, "sandbox-hostile-results") { Kind = SandboxServerKind.Legacy },
            new SandboxDependency("sap.sandbox:mcpServer:hostile-listing:v1", options.GlobalTenantId, "sandbox-hostile-listing") { Kind = SandboxServerKind.Legacy },
        ];
        _hostile[Server("sandbox-hostile-results").OrdId] = new HostileResultServer("sandbox-hostile-results").HandleAsync; // #19: answers hostile to a client
        _hostile[Server("sandbox-hostile-listing").OrdId] = new HostileResultServer("sandbox-hostile-listing", infinityListing: true).HandleAsync;
        _handWritten[_revisionServers[2].OrdId] = new SandboxLegacyServer("sandbox-legacy");

        // Hand-written servers that answer initialize with 2025-11-25 (so a client may ask whether they speak 2026-07-28)
        // and server/discover uselessly: an empty result, or one whose fields have the wrong types.
        _handWritten[_revisionServers[4].OrdId] = new SandboxLegacyServer("sandbox-probe-empty", "2025-11-25", new JsonObject());
        _handWritten[_revisionServers[5].OrdId] = new SandboxLegacyServer(
            "sandbox-probe-malformed",
            "2025-11-25",
            new JsonObject { ["supportedVersions"] = "2026-07-28", ["capabilities"] = new JsonArray(), ["serverInfo"] = 7 });
        _handWritten[_revisionServers[6].OrdId] = new SandboxLegacyServer("sandbox-probe-status", "2025-11-25", discoverStatus: StatusCodes.Status404NotFound);
        _servers[_revisionServers[0].OrdId] = SandboxServers.Stateless(Stats);
        _servers[_revisionServers[1].OrdId] = SandboxServers.Basic("sandbox-mixed");
        _servers[_revisionServers[3].OrdId] = SandboxServers.Desk(Stats);
        HostileTextServer.AddTo(_revisionServers, _servers, options.GlobalTenantId); // #19: text hostile to a terminal

        // Hostile servers (issue 19): listings no SDK server would send, and a server that never answers (HostileSchemaServer).
        foreach (var (dependency, handle) in HostileSchemaServer.Create(options.GlobalTenantId))
        {
            _revisionServers.Add(dependency);
            _hostile[dependency.OrdId] = handle;
        }

        AddHostileServers(options.GlobalTenantId); // #19: listings that would run code, and 5,000 tools (Hostile/SandboxGateway.Hostile.cs)
        AddModernServers(options.GlobalTenantId); // #21: 2026-07-28 only (Modern/SandboxGateway.Modern.cs)
    }

    private void AddServerBeforeTheDownOne(SandboxDependency dependency, SandboxServer server)
    {
        _dependencies.Insert(_dependencies.FindIndex(d => d.IsDown), dependency);
        _servers[dependency.OrdId] = server;
    }

    // ---- identity and PKI -------------------------------------------------------------------

    /// <summary>The client id (CN of <see cref="ClientCertificate"/>).</summary>
    public string ClientId { get; }

    /// <summary>The sandbox CA certificate as PEM (public).</summary>
    public string CaCertificatePem => _certs.CaPem;

    /// <summary>The CA certificate PEM written to a temp file (public cert only), deleted on dispose.</summary>
    public string CaCertificatePath { get; }

    /// <summary>The sandbox CA certificate (public).</summary>
    public X509Certificate2 CaCertificate => _certs.Ca;

    /// <summary>The client certificate as PEM (test fixture).</summary>
    public string ClientCertificatePem => _certs.ClientPem;

    /// <summary>The client private key as PKCS#8 PEM (test fixture).</summary>
    public string ClientPrivateKeyPem => _certs.ClientPrivateKeyPem;

    /// <summary>The client certificate with its private key (test fixture).</summary>
    public X509Certificate2 ClientCertificate => _certs.Client;

    // ---- endpoints ------------------------------------------------------------------------------

    /// <summary>The token endpoint, HTTPS, client certificate required: <c>https://127.0.0.1:{port}/oauth2/token</c>.</summary>
    public Uri TokenServiceUrl { get; private set; } = null!;

    /// <summary>The gateway base, HTTPS (no client certificate): MCP endpoints are <c>{GatewayUrl}/v1/mcp/{ordId}/{globalTenantId}</c>.</summary>
    public Uri GatewayUrl { get; private set; } = null!;

    /// <summary>With <see cref="SandboxOptions.RelayRoundTrip"/>: the relay clients reach the token service through (else null).</summary>
    public LatencyRelay? TokenServiceRelay { get; private set; }

    /// <summary>With <see cref="SandboxOptions.RelayRoundTrip"/>: the relay clients reach the gateway through (else null).</summary>
    public LatencyRelay? GatewayRelay { get; private set; }

    /// <summary>
    /// An HTTPS listener whose certificate (localhost, 127.0.0.1) is issued by the sandbox CA but valid only for client
    /// authentication (extended key usage clientAuth): a client trusting the CA must still refuse it (NotValidForUsage).
    /// Any path; whatever gets through is counted (<see cref="SandboxStatsSnapshot.MisfitRequests"/>) and answered 503.
    /// </summary>
    public Uri ClientAuthOnlyUrl { get; private set; } = null!;

    /// <summary>
    /// An HTTPS listener whose server certificate (localhost, 127.0.0.1) chains to a CA that no client is given (an
    /// untrusted chain). Any path; counted and answered like <see cref="ClientAuthOnlyUrl"/>.
    /// </summary>
    public Uri UntrustedChainUrl { get; private set; } = null!;

    /// <summary>The admin API base, plain HTTP on 127.0.0.1.</summary>
    public Uri AdminUrl { get; private set; } = null!;

    /// <summary>The dependencies the credentials name: working servers first, the down one last.</summary>
    public IReadOnlyList<SandboxDependency> Dependencies => _dependencies;

    /// <summary>
    /// Servers beside the dependencies, on the gateway but not in the credentials: <c>sandbox-stateless</c>,
    /// <c>sandbox-mixed</c> (SDK servers in those session modes), <c>sandbox-legacy</c> (hand-written, 2025-03-26 only),
    /// <c>sandbox-desk</c> (stateful; tools that elicit, log and ping the client), and <c>sandbox-probe-empty</c> and
    /// <c>sandbox-probe-malformed</c> (hand-written, 2025-11-25, an empty or malformed <c>server/discover</c> result),
    /// <c>sandbox-probe-status</c> (the same, but <c>server/discover</c> gets HTTP 404), the hostile servers of
    /// <see cref="HostileSchemaServer"/> (<c>sandbox-hostile-schemas</c>, <c>sandbox-silent</c>), <c>sandbox-hostile-results</c>
    /// and <c>sandbox-hostile-listing</c> (<see cref="HostileResultServer"/>: answers crafted to hurt a client), and the hostile
    /// listings and the server of 5,000 tools of <see cref="AddHostileServers"/>.
    /// </summary>
    public IReadOnlyList<SandboxDependency> RevisionServers => _revisionServers;

    /// <summary>A dependency or revision server by its <c>serverInfo.name</c>.</summary>
    public SandboxDependency Server(string serverName) =>
        _dependencies.Concat(_revisionServers).Single(d => d.ServerName == serverName);

    /// <summary>The MCP endpoint of a dependency.</summary>
    public Uri McpEndpoint(SandboxDependency dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        return new Uri(GatewayUrl, $"/v1/mcp/{dependency.OrdId}/{dependency.GlobalTenantId}");
    }

    /// <summary>The <c>traceparent</c> header of the last request to an MCP route (null when it had none).</summary>
    public string? LastTraceParent => Volatile.Read(ref _lastTraceParent);

    /// <summary>The <c>params._meta.traceparent</c> of the last JSON-RPC request to an MCP route that had params (null when it had none).</summary>
    public string? LastMetaTraceParent => Volatile.Read(ref _lastMetaTraceParent);

    /// <summary>The <c>traceparent</c> header of the last request to the token service (null when it had none).</summary>
    public string? LastTokenTraceParent => Volatile.Read(ref _lastTokenTraceParent);

    /// <summary>The <c>x-correlation-id</c> header of the last request to an MCP route (null when it had none).</summary>
    public string? LastCorrelationId => Volatile.Read(ref _lastCorrelationId);

    // ---- stats ------------------------------------------------------------------------------------

    /// <summary>Live, thread-safe counters.</summary>
    public SandboxStats Stats { get; } = new();

    /// <summary>A snapshot of <see cref="Stats"/>.</summary>
    public SandboxStatsSnapshot GetStats() => Stats.Snapshot() with { OpenSessions = _liveSessions.Count };

    /// <summary>Sets every counter to zero.</summary>
    public void ResetStats() => Stats.Reset();

    // ---- token knobs ------------------------------------------------------------------------------

    /// <summary>Lifetime of tokens issued from now on (default 1 h); zero or negative issues tokens already expired.</summary>
    public TimeSpan TokenLifetime
    {
        get => _tokens.TokenLifetime;
        set => _tokens.TokenLifetime = value;
    }

    /// <summary>Expiry information in token responses from now on.</summary>
    public TokenResponseShape Shape
    {
        get => _tokens.Shape;
        set => _tokens.Shape = value;
    }

    /// <summary>
    /// A gateway quota: at most this many MCP POST requests per second (a fixed window of one second, as gateways
    /// count); past it the answer is 429 with <c>Retry-After: 1</c> and the request is not processed. 0: none; below 0:
    /// every request is refused (a quota used up).
    /// </summary>
    public int McpQuotaPerSecond
    {
        get => Volatile.Read(ref _quotaPerSecond);
        set
        {
            lock (_quotaGate)
            {
                Volatile.Write(ref _quotaPerSecond, Math.Max(-1, value));
                _quotaWindow = -1;
                _quotaUsed = 0;
            }
        }
    }

    private readonly Lock _quotaGate = new();
    private int _quotaPerSecond;
    private long _quotaWindow = -1;
    private int _quotaUsed;

    /// <summary>Whether the quota lets one more request through now.</summary>
    private bool TakeQuota()
    {
        var limit = Volatile.Read(ref _quotaPerSecond);
        if (limit == 0)
        {
            return true;
        }

        if (limit < 0)
        {
            return false;
        }

        var window = System.Diagnostics.Stopwatch.GetTimestamp() / System.Diagnostics.Stopwatch.Frequency;
        lock (_quotaGate)
        {
            if (window != _quotaWindow)
            {
                _quotaWindow = window;
                _quotaUsed = 0;
            }

            return ++_quotaUsed <= limit;
        }
    }

    /// <summary>Delay before the gateway handles each MCP request: a network round trip, simulated (benchmarks).</summary>
    public TimeSpan McpDelay
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _mcpDelayTicks));
        set => Volatile.Write(ref _mcpDelayTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>
    /// The schema the servers list from now on. 1: as built. 2: <c>inspect-arguments</c> requires <c>name</c>
    /// (a server whose schema changed under clients that listed it before).
    /// </summary>
    public int SchemaRevision
    {
        get => Volatile.Read(ref _schemaRevision);
        set => Volatile.Write(ref _schemaRevision, value);
    }

    /// <summary>The <c>ttlMs</c> hint of tools/list answers from now on (non-paginated servers); null sends none.</summary>
    public TimeSpan? ToolListTtl
    {
        get => Interlocked.Read(ref _toolListTtlMs) is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null;
        set => Interlocked.Exchange(ref _toolListTtlMs, value is { } ttl ? (long)ttl.TotalMilliseconds : -1);
    }

    /// <summary>The <c>cacheScope</c> hint of tools/list answers from now on (non-paginated servers); null sends none.</summary>
    public CacheScope? ToolListCacheScope
    {
        get => (CacheScope?)Volatile.Read(ref _toolListCacheScope);
        set => Volatile.Write(ref _toolListCacheScope, value);
    }

    ListToolsResult ISandboxListing.Revise(ListToolsResult result)
    {
        result.TimeToLive = ToolListTtl;
        result.CacheScope = ToolListCacheScope;
        if (SchemaRevision < 2)
        {
            return result;
        }

        for (var i = 0; i < result.Tools.Count; i++)
        {
            var tool = result.Tools[i];
            if (tool.Name != "inspect-arguments")
            {
                continue;
            }

            // A copy: the listed Tool object is the server's own and serves every session.
            var schema = JsonNode.Parse(tool.InputSchema.GetRawText())!.AsObject();
            schema["required"] = new JsonArray("name");
            result.Tools[i] = new Tool
            {
                Name = tool.Name,
                Title = tool.Title,
                Description = tool.Description,
                Annotations = tool.Annotations,
                InputSchema = JsonSerializer.SerializeToElement(schema),
            };
        }

        return result;
    }

    /// <summary>Delay before every token response (to test single flight and slow fetches).</summary>
    public TimeSpan ResponseDelay
    {
        get => _tokens.ResponseDelay;
        set => _tokens.ResponseDelay = value;
    }

    /// <summary>
    /// The next <paramref name="count"/> token requests answer <paramref name="statusCode"/> with an OAuth error body
    /// (<paramref name="oauthError"/> or a default for the status), after <paramref name="delay"/>, with a
    /// <c>Retry-After</c> header when <paramref name="retryAfter"/> is given. Replaces any pending plan; 0 cancels it.
    /// </summary>
    public void FailNext(int count, int statusCode, TimeSpan? delay = null, TimeSpan? retryAfter = null, string? oauthError = null) =>
        _tokens.FailNext(count, statusCode, delay, retryAfter, oauthError);

    /// <summary>
    /// From now on every token request waits until <see cref="ReleaseTokenResponses"/> (a fetch kept in flight, so that
    /// a test can join it without racing it); <see cref="HeldTokenRequests"/> says how many wait.
    /// </summary>
    public void HoldTokenResponses() => _tokens.HoldResponses();

    /// <summary>Lets the held token requests go on, and stops holding.</summary>
    public void ReleaseTokenResponses() => _tokens.ReleaseResponses();

    /// <summary>Token requests waiting now (<see cref="HoldTokenResponses"/>).</summary>
    public int HeldTokenRequests => _tokens.HeldRequests;

    /// <summary>A user JWT signed by the sandbox "user IdP" key, to pass as the jwt-bearer assertion.</summary>
    public string IssueUserJwt(string subject, TimeSpan? lifetime = null) => _tokens.IssueUserJwt(subject, lifetime);

    /// <summary>Every token issued so far is rejected by the gateway (401); tokens issued afterwards are accepted.</summary>
    public void RevokeAllTokens() => _tokens.RevokeAll();

    /// <summary>This one token is rejected by the gateway from now on.</summary>
    public void RevokeToken(string accessToken) => _tokens.Revoke(accessToken);

    // ---- credentials ------------------------------------------------------------------------------

    /// <summary>The credentials JSON (with certificate and key), as a service binding holds it.</summary>
    public string CredentialsJson()
    {
        var deps = new JsonArray();
        foreach (var d in _dependencies)
        {
            deps.Add(new JsonObject { ["ordId"] = d.OrdId, ["globalTenantId"] = d.GlobalTenantId });
        }

        var json = new JsonObject
        {
            ["tokenServiceUrl"] = TokenServiceUrl.ToString(),
            ["clientid"] = ClientId,
            ["certificate"] = ClientCertificatePem,
            ["privateKey"] = ClientPrivateKeyPem,
            ["gatewayUrl"] = GatewayUrl.ToString().TrimEnd('/'),
            ["integrationDependencies"] = deps,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Creates <c>{root}/{BindingName}/type</c> (<c>integration-credentials</c>) and <c>{root}/{BindingName}/credentials</c>;
    /// returns the binding folder.
    /// </summary>
    public string WriteServiceBinding(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var folder = Path.Combine(root, _options.BindingName);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "type"), "integration-credentials\n");
        WriteCredentialsFile(Path.Combine(folder, "credentials"));
        return folder;
    }

    /// <summary>Writes the credentials JSON to <paramref name="path"/> and returns the path.</summary>
    public string WriteCredentialsFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, CredentialsJson());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    /// <summary>Starts the token service, the gateway and the admin API on free 127.0.0.1 ports.</summary>
    public static async Task<SandboxGateway> StartAsync(SandboxOptions? options = null, CancellationToken ct = default)
    {
        var sandbox = new SandboxGateway(options ?? new SandboxOptions());
        try
        {
            await sandbox.StartAppsAsync(ct).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartAppsAsync(CancellationToken ct)
    {
        // Token service: mTLS, client certificate issued by the sandbox CA required.
        var tokenApp = CreateApp(listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = _certs.Server,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (cert, _, _) => _certs.IsIssuedByCa(cert),
            OnAuthenticate = (_, _) => Stats.AddTlsHandshake(),
        }));
        tokenApp.Use((context, next) =>
        {
            Volatile.Write(ref _lastTokenTraceParent, context.Request.Headers["traceparent"].FirstOrDefault());
            return next(context);
        });
        tokenApp.MapPost("/oauth2/token", _tokens.HandleAsync);
        var tokenBase = await StartAsync(tokenApp, ct).ConfigureAwait(false);
        _tokens.Issuer = tokenBase.GetLeftPart(UriPartial.Authority);
        TokenServiceRelay = StartRelay(tokenBase);
        TokenServiceUrl = new Uri(RelayedBase(tokenBase, TokenServiceRelay), "/oauth2/token");

        // Gateway: HTTPS, no client certificate.
        var gatewayApp = CreateApp(
            listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = _certs.Server,
                ClientCertificateMode = ClientCertificateMode.NoCertificate,
                OnAuthenticate = (_, _) => Stats.AddGatewayTlsHandshake(),
            }),
            configureBuilder: ConfigureGatewayServices);
        ConfigureGateway(gatewayApp);
        var gatewayBase = await StartAsync(gatewayApp, ct).ConfigureAwait(false);
        GatewayRelay = StartRelay(gatewayBase);
        GatewayUrl = RelayedBase(gatewayBase, GatewayRelay);

        // SDK servers in the other session modes: one plain-HTTP loopback app each (the session mode is per app);
        // the gateway authenticates, counts and forwards to them.
        foreach (var (kind, mode) in new[] { (SandboxServerKind.Stateless, HttpServerSessionMode.Stateless), (SandboxServerKind.Mixed, HttpServerSessionMode.StatefulForInitializeClients) })
        {
            var inner = CreateApp(_ => { }, tls: false, configureBuilder: b => AddMcpServer(b, mode));
            inner.MapMcp(McpRoutePattern);
            _innerServers[kind] = await StartAsync(inner, ct).ConfigureAwait(false);
        }

        // Listeners a client must refuse before it sends anything: a certificate of the sandbox CA valid only for client
        // authentication, and a server certificate of a CA no client trusts. Whatever reaches them is counted.
        ClientAuthOnlyUrl = await StartMisfitAsync(_certs.ClientAuthOnlyServer, ct).ConfigureAwait(false);
        UntrustedChainUrl = await StartMisfitAsync(_certs.ForeignServer, ct).ConfigureAwait(false);

        await StartAuthorizationServersAsync(ct).ConfigureAwait(false);
        await StartCertificateServerAsync(ct).ConfigureAwait(false); // #24: client certificates for -Uri (ClientCertificates/)

        // Admin: plain HTTP.
        var adminApp = CreateApp(_ => { }, tls: false);
        AdminApi.Map(adminApp, this);
        AdminUrl = await StartAsync(adminApp, ct).ConfigureAwait(false);
    }

    // With RelayRoundTrip: a LatencyRelay in front of a listener, half the round trip each way.
    private LatencyRelay? StartRelay(Uri listener) =>
        _options.RelayRoundTrip > TimeSpan.Zero
            ? LatencyRelay.Start(new IPEndPoint(IPAddress.Loopback, listener.Port), _options.RelayRoundTrip / 2)
            : null;

    private static Uri RelayedBase(Uri listener, LatencyRelay? relay) =>
        relay is null ? listener : new UriBuilder(listener) { Port = relay.EndPoint.Port }.Uri;

    private async Task<Uri> StartMisfitAsync(X509Certificate2 certificate, CancellationToken ct)
    {
        // The per-connection callback, because Kestrel's ServerCertificate refuses a certificate without the
        // server-authentication usage at start-up; SslStream presents whatever it is given.
        var app = CreateApp(listen => listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ =>
            {
                Stats.AddMisfitTlsHandshake();
                return ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificate = certificate });
            },
        }));
        app.Run(async context =>
        {
            Stats.AddMisfitRequest(context.Request.Headers.Authorization.Count > 0, context.Request.HasFormContentType);
            context.Response.StatusCode = 503;
            await context.Response.WriteAsJsonAsync(
                new JsonObject { ["error"] = "misfit", ["error_description"] = "a client should have refused this server's certificate" },
                context.RequestAborted).ConfigureAwait(false);
        });
        return await StartAsync(app, ct).ConfigureAwait(false);
    }

    private static WebApplication CreateApp(Action<ListenOptions> configureListener, bool tls = true, Action<WebApplicationBuilder>? configureBuilder = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(SandboxGateway).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        QuietExpectedFailures(builder.Services);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                configureListener(listen);
            });
        });
        builder.Services.AddRouting();
        configureBuilder?.Invoke(builder);
        return builder.Build();
    }

    // The console logger, wrapped so that failures the callers cause on purpose are not written (ExpectedFailureFilterProvider).
    private static void QuietExpectedFailures(IServiceCollection services)
    {
        var console = services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        services.Remove(console);
        services.AddSingleton<ILoggerProvider>(sp => new ExpectedFailureFilterProvider(
            new ConsoleLoggerProvider(sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), sp.GetServices<ConsoleFormatter>())));
    }

    private async Task<Uri> StartAsync(WebApplication app, CancellationToken ct)
    {
        _apps.Add(app);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Urls.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }

    private void ConfigureGatewayServices(WebApplicationBuilder builder) =>
        AddMcpServer(builder, _options.ServeLatestProtocolStatelessly ? HttpServerSessionMode.StatefulForInitializeClients : HttpServerSessionMode.Stateful);

    private void AddMcpServer(WebApplicationBuilder builder, HttpServerSessionMode mode)
    {
        builder.Services.AddMcpServer().WithHttpTransport(transport =>
        {
            transport.SessionMode = mode;
            transport.ConfigureSessionOptions = (context, serverOptions, _) =>
            {
                var ordId = context.Request.RouteValues["ordId"] as string;
                if (ordId is null || !_servers.TryGetValue(ordId, out var server))
                {
                    throw new InvalidOperationException("MCP request outside a known dependency route");
                }

                server.Configure(serverOptions, this);

                // Counted inside the server: a tool's handler ends before its caller reads the answer, so a client that
                // starts its next call on an answer can never be seen as one call too many.
                serverOptions.Filters.Request.CallToolFilters.Add(next => async (request, ct) =>
                {
                    Stats.BeginToolsCall();
                    try
                    {
                        return await next(request, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        Stats.EndToolsCall();
                    }
                });
                return Task.CompletedTask;
            };
        });
    }

    private void ConfigureGateway(WebApplication app)
    {
        app.Use(GatewayMiddlewareAsync);
        app.MapMcp(McpRoutePattern);
    }

    private const string McpRoutePattern = "/v1/mcp/{ordId}/{globalTenantId}";

    private async Task GatewayMiddlewareAsync(HttpContext context, RequestDelegate next)
    {
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (segments.Length < 2 || segments[0] != "v1" || segments[1] != "mcp")
        {
            context.Response.StatusCode = 404;
            return;
        }

        Stats.AddMcpRequest();
        if (McpDelay > TimeSpan.Zero)
        {
            await Task.Delay(McpDelay, context.RequestAborted).ConfigureAwait(false);
        }

        Volatile.Write(ref _lastCorrelationId, context.Request.Headers["x-correlation-id"].FirstOrDefault());
        Volatile.Write(ref _lastTraceParent, context.Request.Headers["traceparent"].FirstOrDefault());
        if (!await AuthenticateAsync(context).ConfigureAwait(false))
        {
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method) && !TakeQuota())
        {
            Stats.AddQuotaRejected();
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(
                new JsonObject { ["error"] = "rate_limited", ["error_description"] = "quota of MCP requests per second exceeded" }, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var ordId = segments.Length == 4 ? Uri.UnescapeDataString(segments[2]) : null;
        var tenant = segments.Length == 4 ? Uri.UnescapeDataString(segments[3]) : null;
        var dependency = _dependencies.Concat(_revisionServers).FirstOrDefault(d => d.OrdId == ordId && d.GlobalTenantId == tenant);
        if (dependency is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(
                new JsonObject { ["error"] = "not_found", ["error_description"] = "no such integration dependency" }, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (dependency.IsDown)
        {
            Stats.AddServerDown();
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "30";
            await context.Response.WriteAsJsonAsync(
                new JsonObject { ["error"] = "service_unavailable", ["error_description"] = $"the MCP server of {dependency.OrdId} is down" },
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var serverStats = Stats.Server(dependency.ServerName!);
        serverStats.AddRequest();
        var isDelete = HttpMethods.IsDelete(context.Request.Method);
        if (isDelete)
        {
            Stats.AddSessionDelete();
            serverStats.AddSessionDelete();
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            serverStats.AddGetStream();
            if (context.Request.Headers["Last-Event-ID"].ToString().Length > 0)
            {
                serverStats.AddGetResumption();
            }
        }

        var sessionId = context.Request.Headers[McpSessionIdHeader].ToString();
        if (sessionId.Length > 0 &&
            (_forgottenSessions.ContainsKey(sessionId) || (_liveSessions.TryGetValue(sessionId, out var owner) && owner != dependency.OrdId)))
        {
            Stats.AddSessionNotFound();
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(
                new JsonObject
                {
                    ["jsonrpc"] = "2.0",
                    ["error"] = new JsonObject { ["code"] = -32001, ["message"] = "Session not found" },
                    ["id"] = null,
                },
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method))
        {
            await CountJsonRpcMethodsAsync(context.Request, serverStats).ConfigureAwait(false);
        }

        if (sessionId.Length == 0)
        {
            var ordIdOfSession = dependency.OrdId;
            context.Response.OnStarting(() =>
            {
                var minted = context.Response.Headers[McpSessionIdHeader].ToString();
                if (minted.Length > 0)
                {
                    _liveSessions[minted] = ordIdOfSession;
                }

                return Task.CompletedTask;
            });
        }

        if (_handWritten.TryGetValue(dependency.OrdId, out var handWritten))
        {
            await handWritten.HandleAsync(context).ConfigureAwait(false);
        }
        else if (_hostile.TryGetValue(dependency.OrdId, out var hostile))
        {
            await hostile(context).ConfigureAwait(false);
        }
        else if (_innerServers.TryGetValue(dependency.Kind, out var innerBase))
        {
            await ForwardAsync(context, innerBase).ConfigureAwait(false);
        }
        else
        {
            await next(context).ConfigureAwait(false);
        }

        if (sessionId.Length > 0 && context.Response.StatusCode == 404)
        {
            Stats.AddSessionNotFound();
        }

        if (isDelete && sessionId.Length > 0 && context.Response.StatusCode is >= 200 and < 300)
        {
            _liveSessions.TryRemove(sessionId, out _);
        }
    }

    private const string McpSessionIdHeader = "Mcp-Session-Id";

    /// <summary>Counts initialize / tools/list / tools/call in a JSON-RPC POST body, leaving the body readable.</summary>
    private async Task CountJsonRpcMethodsAsync(HttpRequest request, SandboxServerStats serverStats)
    {
        request.EnableBuffering();
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in doc.RootElement.EnumerateArray())
                {
                    CountMethod(message, serverStats);
                }
            }
            else
            {
                CountMethod(doc.RootElement, serverStats);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the MCP handler answers it.
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private void CountMethod(JsonElement message, SandboxServerStats serverStats)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
        {
            return;
        }

        if (message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            Volatile.Write(ref _lastMetaTraceParent,
                parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("traceparent", out var tp) && tp.ValueKind == JsonValueKind.String
                    ? tp.GetString()
                    : null);
        }

        switch (method.GetString())
        {
            case "initialize":
                Stats.AddInitialize();
                serverStats.AddInitialize();
                break;
            case "tools/list":
                Stats.AddToolsList();
                serverStats.AddToolsList();
                break;
            case "tools/call":
                Stats.AddToolsCall();
                serverStats.AddToolsCall();
                break;
            case "server/discover":
                Stats.AddServerDiscover();
                serverStats.AddServerDiscover();
                break;
            case "notifications/cancelled":
                Stats.AddCancelledNotification();
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Forwards the request to the inner app of another session mode and streams its answer back (SSE included,
    /// written as it arrives).
    /// </summary>
    private async Task ForwardAsync(HttpContext context, Uri innerBase)
    {
        var incoming = context.Request;
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(innerBase, incoming.Path.ToUriComponent() + incoming.QueryString));
        if (HttpMethods.IsPost(incoming.Method))
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.StartsWith(':'))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        var buffer = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Checks the bearer token; on failure answers 401 with <c>WWW-Authenticate</c> and returns false.</summary>
    private async Task<bool> AuthenticateAsync(HttpContext context)
    {
        string? token = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }

        var check = _tokens.Validate(token);
        if (check.Verdict == TokenVerdict.Valid)
        {
            return true;
        }

        Stats.AddUnauthorized();
        var description = check.Verdict switch
        {
            TokenVerdict.Missing => "no bearer token",
            TokenVerdict.Malformed => "the token is malformed",
            TokenVerdict.BadSignature => "the token signature is invalid",
            TokenVerdict.Expired => "the token is expired",
            _ => "the token is revoked",
        };
        context.Response.StatusCode = 401;
        context.Response.Headers.WWWAuthenticate = check.Verdict == TokenVerdict.Missing
            ? "Bearer realm=\"agent-gateway\", error=\"invalid_token\""
            : $"Bearer realm=\"agent-gateway\", error=\"invalid_token\", error_description=\"{description}\"";
        await context.Response.WriteAsJsonAsync(
            new JsonObject { ["error"] = "invalid_token", ["error_description"] = description }, context.RequestAborted).ConfigureAwait(false);
        return false;
    }

    /// <summary>MCP servers forget every session issued so far: the next request with an old <c>Mcp-Session-Id</c> gets 404.</summary>
    public void ForgetAllSessions()
    {
        foreach (var sessionId in _liveSessions.Keys)
        {
            _forgottenSessions[sessionId] = 0;
            _liveSessions.TryRemove(sessionId, out _);
        }
    }

    /// <summary>Completes when <c>POST /admin/shutdown</c> was called (process mode exits then).</summary>
    public Task ShutdownRequested => _shutdown.Task;

    internal void RequestShutdown() => _shutdown.TrySetResult();

    /// <summary>The JSON line process mode prints (no key or certificate body).</summary>
    internal JsonObject DescribeForProcess(string? bindingPath)
    {
        var deps = new JsonArray();
        foreach (var d in _dependencies)
        {
            deps.Add(new JsonObject { ["ordId"] = d.OrdId, ["globalTenantId"] = d.GlobalTenantId });
        }

        return new JsonObject
        {
            ["tokenServiceUrl"] = TokenServiceUrl.ToString(),
            ["gatewayUrl"] = GatewayUrl.ToString().TrimEnd('/'),
            ["adminUrl"] = AdminUrl.ToString().TrimEnd('/'),
            ["caCertificatePath"] = CaCertificatePath,
            ["bindingPath"] = bindingPath,
            ["clientId"] = ClientId,
            ["dependencies"] = deps,
            ["clientAuthOnlyUrl"] = ClientAuthOnlyUrl.ToString().TrimEnd('/'),
            ["untrustedChainUrl"] = UntrustedChainUrl.ToString().TrimEnd('/'),
            ["servers"] = new JsonObject(_revisionServers.Select(d => KeyValuePair.Create(d.ServerName!, (JsonNode?)McpEndpoint(d).ToString()))),
            ["hostileMarkerDirectory"] = HostileMarkerDirectory,
            ["pid"] = Environment.ProcessId,
            ["relayRoundTripMs"] = _options.RelayRoundTrip.TotalMilliseconds,
            ["authorizationServer"] = new JsonObject
            {
                ["issuer"] = Authorization.Issuer,
                ["publicClientId"] = SandboxAuthorizationServer.PublicClientId,
                ["headerEndpoint"] = Authorization.Endpoint("header").ToString(),
                ["wellKnownEndpoint"] = Authorization.Endpoint("wellknown").ToString(),
                ["mismatchEndpoint"] = Authorization.Endpoint("mismatch").ToString(),
                ["plainAuthorizationEndpoint"] = Authorization.Endpoint("plainauthz").ToString(),
                ["tenantIssuer"] = TenantAuthorization.Issuer,
                ["tenantEndpoint"] = TenantAuthorization.Endpoint("header").ToString(),
                ["scopedEndpoint"] = Authorization.Endpoint("scoped").ToString(),
                ["machineClientId"] = SandboxAuthorizationServer.MachineClientId,
                ["machineClientSecret"] = SandboxAuthorizationServer.MachineClientSecret,
                ["rsaAssertionClientId"] = SandboxAuthorizationServer.RsaAssertionClientId,
                ["ecAssertionClientId"] = SandboxAuthorizationServer.EcAssertionClientId,
                ["rsaKeyPemPath"] = ClientKeyFiles.RsaPem,
                ["rsaKeyPfxPath"] = ClientKeyFiles.RsaPfx,
                ["clientKeyPfxPassword"] = SandboxAuthorizationServer.ClientKeyPfxPassword,
                ["ecKeyPemPath"] = ClientKeyFiles.EcPem,
            },
            ["enterprise"] = Authorization.DescribeEnterprise(),
            ["certificateServer"] = _certificateServer?.Describe(),
        };
    }

    /// <summary>Stops every listener and deletes the temp files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The relays first: their connections would keep the listeners' graceful stop waiting.
        foreach (var relay in new[] { TokenServiceRelay, GatewayRelay })
        {
            if (relay is not null)
            {
                await relay.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var app in _apps)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping timed out: disposal below closes the rest.
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }

        _proxy.Dispose();
        _tokens.Dispose();
        _certs.Dispose();
        _certificateServer?.Dispose();
        try
        {
            Directory.Delete(_tempDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
