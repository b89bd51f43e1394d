using AgentGateway.Engine.Http;

namespace AgentGateway.Engine.Mcp;

/// <summary>
/// Every failure of the MCP layer: one type, told apart by <see cref="Kind"/>, made by the factory method of
/// that kind. The message says what happened, never what to type (the cmdlet layer's recommended action,
/// chosen by <see cref="Kind"/> and the properties, says that), and never holds a token.
/// </summary>
public sealed class McpGatewayException : Exception
{
    public McpGatewayException()
        : this("The MCP operation failed.")
    {
    }

    public McpGatewayException(string message)
        : this(message, null)
    {
    }

    public McpGatewayException(string message, Exception? innerException)
        : this(McpErrorKind.Protocol, message, null, innerException)
    {
    }

    private McpGatewayException(McpErrorKind kind, string message, Uri? endpoint, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
        Endpoint = endpoint;
    }

    /// <summary>JSON-RPC -32020: the request's headers did not match its body, or a header the tool's schema names was missing (refused before anything ran).</summary>
    public const int HeaderMismatchCode = -32020;

    /// <summary>JSON-RPC -32021: the server requires a client capability this client did not declare.</summary>
    public const int MissingCapabilityCode = -32021;

    /// <summary>JSON-RPC -32022: the server does not support the protocol revision of the request.</summary>
    public const int UnsupportedRevisionCode = -32022;

    public McpErrorKind Kind { get; }

    /// <summary>The MCP endpoint the failure concerns, when known.</summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>The HTTP status code, when the failure is one.</summary>
    public int? StatusCode { get; private init; }

    /// <summary>The JSON-RPC error code, when the server answered with a JSON-RPC error.</summary>
    public int? RpcErrorCode { get; private init; }

    /// <summary>The server's own JSON-RPC error message, when it sent one.</summary>
    public string? RpcErrorMessage { get; private init; }

    /// <summary>For <see cref="McpErrorKind.Timeout"/>, the timeout that elapsed (zero when the SDK's own handshake timeout did).</summary>
    public TimeSpan? Timeout { get; private init; }

    /// <summary>For <see cref="McpErrorKind.Connection"/>: why the TLS handshake failed, when it did.</summary>
    public TlsFailureCause TlsCause { get; private init; }

    /// <summary>For <see cref="McpErrorKind.Authentication"/>: which credential the endpoint rejected (a gateway token, a given token, or none sent).</summary>
    public McpAuthMode? AuthMode { get; private init; }

    /// <summary>What the failure is about when it is not an endpoint: an ORD id or a tool name.</summary>
    public string? Subject { get; private init; }

    /// <summary>The ORD id of the gateway dependency the endpoint belongs to; null for an endpoint given as a URL.</summary>
    public string? OrdId { get; internal set; }

    /// <summary>For <see cref="McpErrorKind.Proxy"/>: the proxy (never with user info).</summary>
    public Uri? Proxy { get; private init; }

    /// <summary>For <see cref="McpErrorKind.ResponseTooLarge"/>: the limit in bytes.</summary>
    public long? SizeLimit { get; private init; }

    /// <summary>
    /// True when the request had been sent when it failed (the connection broke, the answer was unreadable or too
    /// large): the server may have acted on it, and a tool call sent again may run the tool again.
    /// </summary>
    public bool AfterSend { get; private init; }

    /// <summary>
    /// For <see cref="McpErrorKind.ToolNotFound"/> the closest tool names ("did you mean"), for
    /// <see cref="McpErrorKind.AmbiguousTool"/> the servers that have the tool; otherwise empty.
    /// </summary>
    public IReadOnlyList<string> Candidates { get; private init; } = [];

    /// <summary>401 or 403: <paramref name="authMode"/>'s credential was rejected (after one renewal when it came from the token provider) or lacks permission.</summary>
    internal static McpGatewayException Authentication(string message, int statusCode, Uri? endpoint, McpAuthMode? authMode = null, Exception? innerException = null) =>
        new(McpErrorKind.Authentication, message, endpoint, innerException) { StatusCode = statusCode, AuthMode = authMode };

    /// <summary>The server cannot be reached (DNS, refused connection): nothing was sent.</summary>
    internal static McpGatewayException Connection(string message, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Connection, message, endpoint, innerException);

    /// <summary>The connection broke after the request was sent: the server may have acted on it.</summary>
    internal static McpGatewayException ConnectionLost(string message, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.ConnectionLost, message, endpoint, innerException) { AfterSend = true };

    /// <summary>An answer, or one event of a stream, was larger than <paramref name="limit"/> bytes; the request had been sent.</summary>
    internal static McpGatewayException ResponseTooLarge(string message, long limit, Uri? endpoint) =>
        new(McpErrorKind.ResponseTooLarge, message, endpoint, null) { SizeLimit = limit, AfterSend = true };

    /// <summary>The answer to a request that was sent is not a usable reply (not JSON, nested too deep, a reply to another request, an unexpected content type, none at all).</summary>
    internal static McpGatewayException MalformedReply(string message, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Protocol, message, endpoint, innerException) { AfterSend = true };

    /// <summary>The proxy <paramref name="proxy"/> failed the request (<paramref name="proxyStatus"/>: 407 when it wants credentials; null when unreachable); nothing reached the server.</summary>
    public static McpGatewayException ProxyFailure(string message, Uri? proxy, int? proxyStatus, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Proxy, message, endpoint, innerException) { Proxy = proxy, StatusCode = proxyStatus };

    /// <summary>The server answered 429 until the attempts or the time ran out; the request was not processed.</summary>
    public static McpGatewayException Throttled(string message, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Throttled, message, endpoint, innerException) { StatusCode = 429 };

    /// <summary>The TLS handshake with the server failed (<paramref name="cause"/>: its certificate was refused by this client, or the handshake was).</summary>
    internal static McpGatewayException Tls(string message, TlsFailureCause cause, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Connection, message, endpoint, innerException) { TlsCause = cause };

    /// <summary>The operation exceeded <paramref name="timeout"/>.</summary>
    internal static McpGatewayException TimedOut(string message, TimeSpan timeout, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Timeout, message, endpoint, innerException) { Timeout = timeout };

    /// <summary>The server answered with a 5xx status.</summary>
    internal static McpGatewayException Server(string message, int statusCode, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.Server, message, endpoint, innerException) { StatusCode = statusCode };

    /// <summary>A JSON-RPC error (<paramref name="rpcErrorCode"/>, the server's <paramref name="rpcErrorMessage"/>), an unexpected HTTP status or a malformed reply.</summary>
    internal static McpGatewayException Protocol(string message, Uri? endpoint, Exception? innerException = null, int? rpcErrorCode = null, string? rpcErrorMessage = null, int? statusCode = null) =>
        new(McpErrorKind.Protocol, message, endpoint, innerException) { RpcErrorCode = rpcErrorCode, RpcErrorMessage = rpcErrorMessage, StatusCode = statusCode };

    /// <summary>404 without a session: no MCP server at that URL.</summary>
    internal static McpGatewayException NoServer(string message, Uri? endpoint, Exception? innerException = null) =>
        new(McpErrorKind.NotFound, message, endpoint, innerException) { StatusCode = 404 };

    /// <summary>tools/list pagination repeated a cursor or exceeded the page limit.</summary>
    internal static McpGatewayException Pagination(string message, Uri? endpoint) =>
        new(McpErrorKind.Pagination, message, endpoint, null);

    /// <summary>A token would have gone over plain http to a non-loopback host; nothing was sent.</summary>
    internal static McpGatewayException InsecureTransport(string message, Uri? endpoint) =>
        new(McpErrorKind.InsecureTransport, message, endpoint, null);

    /// <summary>A local setting (for example the trusted CA file) is unusable.</summary>
    internal static McpGatewayException Configuration(string message, Exception? innerException = null) =>
        new(McpErrorKind.Configuration, message, null, innerException);

    /// <summary>No tool <paramref name="toolName"/> where it was looked (<paramref name="scope"/>, as "the MCP server X").</summary>
    internal static McpGatewayException ToolNotFound(string toolName, string scope, IReadOnlyList<string> closest, IReadOnlyList<string> unlisted)
    {
        ArgumentNullException.ThrowIfNull(closest);
        ArgumentNullException.ThrowIfNull(unlisted);
        var message = $"There is no tool '{toolName}' on {scope}.";
        if (closest.Count > 0)
        {
            message += $" Did you mean {string.Join(", ", closest.Select(n => $"'{n}'"))}?";
        }

        if (unlisted.Count > 0)
        {
            message += $" {unlisted.Count} server(s) could not be listed: {string.Join(", ", unlisted)}.";
        }

        return new(McpErrorKind.ToolNotFound, message, null, null) { Subject = toolName, Candidates = closest };
    }

    /// <summary>Several servers (<paramref name="servers"/>: ORD ids or endpoints) have <paramref name="toolName"/>.</summary>
    internal static McpGatewayException AmbiguousTool(string toolName, IReadOnlyList<string> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        return new(McpErrorKind.AmbiguousTool, $"The tool '{toolName}' is on {servers.Count} dependencies: {string.Join(", ", servers)}.", null, null)
        {
            Subject = toolName,
            Candidates = servers,
        };
    }

    /// <summary>
    /// A listed tool cannot be used (its problem): its listing entry is not a tool (<paramref name="entryProblem"/>),
    /// or its inputSchema is unusable (<paramref name="problem"/>).
    /// </summary>
    internal static McpGatewayException UnusableTool(string toolName, string serverName, Uri endpoint, string? entryProblem, string? problem)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return entryProblem is { } entry
            ? new(McpErrorKind.UnusableTool, $"A tool listed by the MCP server '{serverName}' at '{endpoint.GetLeftPart(UriPartial.Path)}' cannot be used: {entry}.", endpoint, null)
            : UnusableSchema(toolName, serverName, endpoint, problem ?? "it is not usable");
    }

    /// <summary>An inputSchema cannot be used (<paramref name="problem"/>, a clause such as "it is a string, not a JSON object").</summary>
    internal static McpGatewayException UnusableSchema(string? toolName, string? serverName, Uri? endpoint, string problem)
    {
        var subject = string.IsNullOrEmpty(toolName) ? "The inputSchema" : $"The inputSchema of tool '{toolName}'";
        var where = serverName is null ? string.Empty : $" of the MCP server '{serverName}'";
        return new(McpErrorKind.UnusableTool, $"{subject}{where} cannot be used: {problem}.", endpoint, null) { Subject = toolName };
    }

    /// <summary>
    /// Checking the arguments of <paramref name="toolName"/> did not end within <paramref name="limit"/> (a regular
    /// expression of the schema, <paramref name="pattern"/> when known, took too long); the arguments were not sent.
    /// </summary>
    internal static McpGatewayException ArgumentCheckTimedOut(string? toolName, TimeSpan limit, string? pattern, Exception? innerException = null)
    {
        var subject = string.IsNullOrEmpty(toolName) ? "the tool" : $"tool '{toolName}'";
        var cause = pattern is null ? string.Empty : $": its pattern '{pattern}' takes too long to match them";
        return new(McpErrorKind.ArgumentCheckTimeout, $"Checking the arguments of {subject} against its inputSchema did not finish within {limit.TotalSeconds:0.###} s{cause}. Nothing was sent.", null, innerException)
        {
            Subject = toolName,
            Timeout = limit,
        };
    }

    /// <summary>The credentials name no dependency with any of <paramref name="ordIds"/>.</summary>
    internal static McpGatewayException NoDependency(IReadOnlyList<string> ordIds)
    {
        ArgumentNullException.ThrowIfNull(ordIds);
        var subject = string.Join(", ", ordIds);
        var named = ordIds.Count == 1 ? $"'{subject}'" : subject;
        return new(McpErrorKind.NotFound, $"The credentials name no integration dependency with ORD id {named}.", null, null) { Subject = subject };
    }
}
