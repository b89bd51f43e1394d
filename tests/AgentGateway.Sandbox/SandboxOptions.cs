namespace AgentGateway.Sandbox;

/// <summary>Start-up settings of a <see cref="SandboxGateway"/>. Every knob has a test-friendly default.</summary>
public sealed class SandboxOptions
{
    /// <summary>The client id the credentials name; also the CN of the client certificate.</summary>
    public string ClientId { get; set; } = "sandbox-client";

    /// <summary>Lifetime of issued access tokens (changeable later through <see cref="SandboxGateway.TokenLifetime"/>).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How token responses report expiry (changeable later through <see cref="SandboxGateway.Shape"/>).</summary>
    public TokenResponseShape Shape { get; set; } = TokenResponseShape.ExpiresIn;

    /// <summary>The global tenant id every dependency uses.</summary>
    public string GlobalTenantId { get; set; } = "sandbox-tenant-0001";

    /// <summary>The folder name <see cref="SandboxGateway.WriteServiceBinding"/> creates under its root.</summary>
    public string BindingName { get; set; } = "agw-sandbox";

    /// <summary>Page size of <c>tools/list</c> on the paginated server (<c>sandbox-catalog</c>).</summary>
    public int ToolsPageSize { get; set; } = 4;

    /// <summary>
    /// False (default): every client gets a stateful session (<c>initialize</c>, <c>Mcp-Session-Id</c>); clients that
    /// prefer the 2026-07-28 revision are told to downgrade. True: such clients are served statelessly instead.
    /// </summary>
    public bool ServeLatestProtocolStatelessly { get; set; }

    /// <summary>
    /// Also serve (and name in the credentials, before the down one) <c>sandbox-shapes</c> and <c>sandbox-shapes-twin</c>:
    /// tools with every inputSchema shape Import-McpTool maps (<see cref="SandboxShapeServers"/>). Off by default, so
    /// listing every dependency finds the same tools as ever.
    /// </summary>
    public bool ShapeServers { get; set; }

    /// <summary>
    /// Zero (default): clients reach the token service and the gateway directly. More: both are reached through a
    /// <see cref="LatencyRelay"/> that delays every chunk by half this each way, so every round trip, TLS handshakes
    /// included, costs about this much (benchmarks); <see cref="SandboxGateway.TokenServiceUrl"/>, <see cref="SandboxGateway.GatewayUrl"/>
    /// and the credentials name the relays.
    /// </summary>
    public TimeSpan RelayRoundTrip { get; set; }

    /// <summary>Clock of issued tokens and of their validation by the gateway.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>Which expiry information a token response carries.</summary>
public enum TokenResponseShape
{
    /// <summary>JWT access token and <c>expires_in</c> (seconds).</summary>
    ExpiresIn,

    /// <summary>JWT access token and <c>expires_at</c> as epoch seconds.</summary>
    ExpiresAt,

    /// <summary>JWT access token and <c>expires_at</c> as an ISO-8601 string.</summary>
    ExpiresAtIso,

    /// <summary>JWT access token only; its <c>exp</c> is the only expiry information.</summary>
    JwtExpOnly,

    /// <summary>Opaque access token plus an <c>id_token</c> JWT whose <c>exp</c> is the expiry.</summary>
    IdToken,

    /// <summary>Opaque access token, no expiry information anywhere.</summary>
    None,
}
