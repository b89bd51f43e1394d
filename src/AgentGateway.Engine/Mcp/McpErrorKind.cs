namespace AgentGateway.Engine.Mcp;

/// <summary>What went wrong, so that the cmdlet layer can choose an ErrorId, a category and a recommended action.</summary>
public enum McpErrorKind
{
    /// <summary>401/403: the token was rejected (after one renewal) or lacks permission. See <see cref="McpGatewayException.StatusCode"/>.</summary>
    Authentication,

    /// <summary>The server cannot be reached: DNS, refused connection, TLS failure (<see cref="McpGatewayException.TlsCause"/>), dropped connection.</summary>
    Connection,

    /// <summary>The operation took longer than its timeout (<see cref="McpGatewayException.Timeout"/>).</summary>
    Timeout,

    /// <summary>The server answered with a 5xx status.</summary>
    Server,

    /// <summary>A JSON-RPC error (see <see cref="McpGatewayException.RpcErrorCode"/>), an unexpected HTTP status or a malformed reply.</summary>
    Protocol,

    /// <summary>404 without a session (no MCP server at that URL), or no dependency of the credentials has that ORD id (<see cref="McpGatewayException.Subject"/>).</summary>
    NotFound,

    /// <summary>The server's tools/list pagination repeats a cursor or never ends.</summary>
    Pagination,

    /// <summary>A token would have been sent over plain http to a non-loopback host; nothing was sent.</summary>
    InsecureTransport,

    /// <summary>A local setting is unusable (for example the trusted CA file).</summary>
    Configuration,

    /// <summary>The listing has no tool of that name (see <see cref="McpGatewayException.Candidates"/> for the closest names); nothing was called.</summary>
    ToolNotFound,

    /// <summary>Several dependencies have a tool of that name and none was named (see <see cref="McpGatewayException.Candidates"/>); nothing was called.</summary>
    AmbiguousTool,

    /// <summary>A listed tool cannot be used: its listing entry or its inputSchema is unusable (<see cref="Mcp.Tools.ToolSchemaGuard"/>); nothing was called.</summary>
    UnusableTool,

    /// <summary>Checking the arguments against the tool's inputSchema took longer than the time left (<see cref="McpGatewayException.Timeout"/>); nothing was called.</summary>
    ArgumentCheckTimeout,

    /// <summary>
    /// The connection broke after the request was sent (before or while its answer was read): the server may have
    /// acted on it, so a tool call may have run. <see cref="Connection"/> is kept for failures before anything was sent.
    /// </summary>
    ConnectionLost,

    /// <summary>An answer (a JSON body, or one event of a stream) was larger than the response size limit (<see cref="McpGatewayException.SizeLimit"/>); reading stopped there.</summary>
    ResponseTooLarge,

    /// <summary>
    /// The proxy on the way failed the request (<see cref="McpGatewayException.Proxy"/>): it asked for credentials
    /// (<see cref="McpGatewayException.StatusCode"/> 407), refused the tunnel, or could not be reached. Nothing reached the server.
    /// </summary>
    Proxy,

    /// <summary>The server kept answering 429 (a quota) after the request was waited out and sent again as often as allowed; the request was not processed.</summary>
    Throttled,
}
