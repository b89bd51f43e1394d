using System.Net;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;

namespace AgentGateway.Engine.Configuration;

/// <summary>
/// The client configuration of one runspace session. Immutable: a change makes a new
/// instance through <see cref="With"/>, which validates the whole combination at once.
/// </summary>
internal sealed record ClientConfig
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultTokenExpiryBuffer = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultFallbackTokenTtl = TimeSpan.FromSeconds(300);
    public const int DefaultMaxSystemTokenCacheSize = 10;
    public const int DefaultMaxUserTokenCacheSize = 10;
    public const int DefaultMaxMcpSessionCount = 32;
    public static readonly TimeSpan DefaultMcpSessionIdle = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan DefaultToolListCacheTtl = TimeSpan.FromSeconds(300);
    public const double DefaultMaxResponseSizeMB = 32;

    /// <summary>The largest <see cref="MaxResponseSizeMB"/>: a .NET string holds about a billion characters, and the SDK reads an answer into one.</summary>
    public const double MaxMaxResponseSizeMB = 1024;

    /// <summary>The defaults of the design table.</summary>
    public static ClientConfig Default { get; } = new();

    private ClientConfig()
    {
    }

    /// <summary>How long one HTTP operation (a token request, an MCP call) may take.</summary>
    public TimeSpan Timeout { get; private init; } = DefaultTimeout;

    /// <summary>Subtracted from a token's reported lifetime: a token is never sent once inside it.</summary>
    public TimeSpan TokenExpiryBuffer { get; private init; } = DefaultTokenExpiryBuffer;

    /// <summary>The lifetime of a token whose response tells none.</summary>
    public TimeSpan FallbackTokenTtl { get; private init; } = DefaultFallbackTokenTtl;

    public int MaxSystemTokenCacheSize { get; private init; } = DefaultMaxSystemTokenCacheSize;

    public int MaxUserTokenCacheSize { get; private init; } = DefaultMaxUserTokenCacheSize;

    /// <summary>The most MCP sessions kept open per runspace; the least recently used idle one is closed first.</summary>
    public int MaxMcpSessionCount { get; private init; } = DefaultMaxMcpSessionCount;

    /// <summary>An MCP session unused this long is closed in the background.</summary>
    public TimeSpan McpSessionIdle { get; private init; } = DefaultMcpSessionIdle;

    /// <summary>How long a tool listing is used for argument checks (a shorter TTL the server gives wins).</summary>
    public TimeSpan ToolListCacheTtl { get; private init; } = DefaultToolListCacheTtl;

    /// <summary>
    /// The most one MCP answer may hold, in MB (1,048,576 bytes): a JSON body as a whole, or one event of an event
    /// stream. Reading stops there and the call fails; the answer is in memory a few times while it is read.
    /// </summary>
    public double MaxResponseSizeMB { get; private init; } = DefaultMaxResponseSizeMB;

    /// <summary><see cref="MaxResponseSizeMB"/> in bytes.</summary>
    public long MaxResponseSizeBytes => (long)Math.Ceiling(MaxResponseSizeMB * 1048576);

    /// <summary>An explicit credentials file; when set it wins over every other source.</summary>
    public string? CredentialPath { get; private init; }

    /// <summary>
    /// A PEM file of CA certificates trusted, in addition to the system store, for the token
    /// service and the gateway (a private or test CA); verification is never switched off.
    /// </summary>
    public string? TrustedCaPath { get; private init; }

    /// <summary>The proxy every request goes through (scheme, host and port), or null for the environment's (<see cref="ProxySettings"/>).</summary>
    public Uri? Proxy { get; private init; }

    /// <summary>The credentials a proxy gets when it asks for them (HTTP 407): <see cref="Proxy"/>'s, else the environment's proxy's.</summary>
    public NetworkCredential? ProxyCredential { get; private init; }

    /// <summary>No proxy at all, whatever the environment says.</summary>
    public bool NoProxy { get; private init; }

    /// <summary>How requests leave: <see cref="Proxy"/>, <see cref="ProxyCredential"/> and <see cref="NoProxy"/> together.</summary>
    public ProxySettings ProxySettings => Proxy is null && ProxyCredential is null && !NoProxy
        ? ProxySettings.FromEnvironment
        : new ProxySettings { Address = Proxy, Credential = ProxyCredential, Disabled = NoProxy };

    /// <summary>
    /// Returns a validated copy with the given fields changed; a null argument keeps the field.
    /// An invalid combination throws one <see cref="ClientConfigException"/> listing every broken rule,
    /// and changes nothing. With <paramref name="checkFiles"/>, a credentials file or CA file given here
    /// is read too: the credentials must load (the messages of a load) and the CA file must hold a PEM
    /// certificate; their problems join the same exception.
    /// </summary>
    public ClientConfig With(
        TimeSpan? timeout = null,
        TimeSpan? tokenExpiryBuffer = null,
        TimeSpan? fallbackTokenTtl = null,
        int? maxSystemTokenCacheSize = null,
        int? maxUserTokenCacheSize = null,
        Optional<string?> credentialPath = default,
        Optional<string?> trustedCaPath = default,
        int? maxMcpSessionCount = null,
        TimeSpan? mcpSessionIdle = null,
        TimeSpan? toolListCacheTtl = null,
        bool checkFiles = false,
        double? maxResponseSizeMB = null,
        Optional<Uri?> proxy = default,
        Optional<NetworkCredential?> proxyCredential = default,
        bool? noProxy = null)
    {
        var next = this with
        {
            Timeout = timeout ?? Timeout,
            TokenExpiryBuffer = tokenExpiryBuffer ?? TokenExpiryBuffer,
            FallbackTokenTtl = fallbackTokenTtl ?? FallbackTokenTtl,
            MaxSystemTokenCacheSize = maxSystemTokenCacheSize ?? MaxSystemTokenCacheSize,
            MaxUserTokenCacheSize = maxUserTokenCacheSize ?? MaxUserTokenCacheSize,
            CredentialPath = credentialPath.HasValue ? Normalize(credentialPath.Value) : CredentialPath,
            TrustedCaPath = trustedCaPath.HasValue ? Normalize(trustedCaPath.Value) : TrustedCaPath,
            MaxMcpSessionCount = maxMcpSessionCount ?? MaxMcpSessionCount,
            McpSessionIdle = mcpSessionIdle ?? McpSessionIdle,
            ToolListCacheTtl = toolListCacheTtl ?? ToolListCacheTtl,
            MaxResponseSizeMB = maxResponseSizeMB ?? MaxResponseSizeMB,
            Proxy = proxy.HasValue ? proxy.Value : Proxy,
            ProxyCredential = proxyCredential.HasValue ? proxyCredential.Value : ProxyCredential,
            NoProxy = noProxy ?? NoProxy,
        };
        var problems = next.Check();
        if (checkFiles && credentialPath.HasValue && next.CredentialPath is { } credentials)
        {
            problems.AddRange(CheckCredentialFile(credentials));
        }

        if (checkFiles && trustedCaPath.HasValue && next.TrustedCaPath is { } ca)
        {
            problems.AddRange(CheckTrustedCaFile(ca));
        }

        return problems.Count == 0 ? next : throw new ClientConfigException(problems);
    }

    private static IEnumerable<ClientConfigProblem> CheckCredentialFile(string path)
    {
        try
        {
            using var loaded = CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path));
            return [];
        }
        catch (CredentialException e)
        {
            return [new ClientConfigProblem(nameof(CredentialPath), e.Message)];
        }
    }

    private static IEnumerable<ClientConfigProblem> CheckTrustedCaFile(string path)
    {
        try
        {
            var roots = TrustedCaFile.Load(path);
            foreach (var root in roots)
            {
                root.Dispose();
            }

            return [];
        }
        catch (ClientConfigException e)
        {
            return e.Problems;
        }
    }

    private static string? Normalize(string? path) => string.IsNullOrWhiteSpace(path) ? null : path;

    /// <summary>Every rule the values break (none for a valid config).</summary>
    private List<ClientConfigProblem> Check()
    {
        var problems = new List<ClientConfigProblem>();
        if (Timeout <= TimeSpan.Zero)
        {
            problems.Add(new ClientConfigProblem(nameof(Timeout), $"Timeout must be greater than 0 seconds (got {Timeout.TotalSeconds} s)."));
        }

        if (FallbackTokenTtl <= TimeSpan.Zero)
        {
            problems.Add(new ClientConfigProblem(nameof(FallbackTokenTtl), $"FallbackTokenTtl must be greater than 0 seconds (got {FallbackTokenTtl.TotalSeconds} s)."));
        }

        if (TokenExpiryBuffer < TimeSpan.Zero)
        {
            problems.Add(new ClientConfigProblem(nameof(TokenExpiryBuffer), $"TokenExpiryBuffer must not be negative (got {TokenExpiryBuffer.TotalSeconds} s)."));
        }
        else if (FallbackTokenTtl > TimeSpan.Zero && TokenExpiryBuffer >= FallbackTokenTtl)
        {
            problems.Add(new ClientConfigProblem(
                nameof(TokenExpiryBuffer),
                $"TokenExpiryBuffer ({TokenExpiryBuffer.TotalSeconds} s) must be less than FallbackTokenTtl ({FallbackTokenTtl.TotalSeconds} s)."));
        }

        if (MaxSystemTokenCacheSize < 1)
        {
            problems.Add(new ClientConfigProblem(nameof(MaxSystemTokenCacheSize), $"MaxSystemTokenCacheSize must be at least 1 (got {MaxSystemTokenCacheSize})."));
        }

        if (MaxUserTokenCacheSize < 1)
        {
            problems.Add(new ClientConfigProblem(nameof(MaxUserTokenCacheSize), $"MaxUserTokenCacheSize must be at least 1 (got {MaxUserTokenCacheSize})."));
        }

        if (MaxMcpSessionCount < 1)
        {
            problems.Add(new ClientConfigProblem(nameof(MaxMcpSessionCount), $"MaxMcpSessionCount must be at least 1 (got {MaxMcpSessionCount})."));
        }

        if (McpSessionIdle <= TimeSpan.Zero)
        {
            problems.Add(new ClientConfigProblem(nameof(McpSessionIdle), $"McpSessionIdle must be greater than 0 seconds (got {McpSessionIdle.TotalSeconds} s)."));
        }

        if (ToolListCacheTtl <= TimeSpan.Zero)
        {
            problems.Add(new ClientConfigProblem(nameof(ToolListCacheTtl), $"ToolListCacheTtl must be greater than 0 seconds (got {ToolListCacheTtl.TotalSeconds} s)."));
        }

        if (!(MaxResponseSizeMB > 0 && MaxResponseSizeMB <= MaxMaxResponseSizeMB))
        {
            problems.Add(new ClientConfigProblem(nameof(MaxResponseSizeMB), $"MaxResponseSizeMB must be greater than 0 and at most {MaxMaxResponseSizeMB} (got {MaxResponseSizeMB})."));
        }

        if (Proxy is not null)
        {
            problems.AddRange(ProxySettings.Check(Proxy).Select(p => new ClientConfigProblem(nameof(Proxy), $"Proxy: {p}.")));
            if (NoProxy)
            {
                problems.Add(new ClientConfigProblem(nameof(NoProxy), $"NoProxy and a Proxy ({ProxySettings.Describe(Proxy)}) exclude each other: set one of them."));
            }
        }

        return problems;
    }
}
