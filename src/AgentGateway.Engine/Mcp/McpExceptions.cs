namespace AgentGateway.Engine.Mcp;

/// <summary>What went wrong, so that the cmdlet layer can choose an ErrorCategory and an ErrorId.</summary>
public enum McpErrorKind
{
    /// <summary>401/403: the token was rejected (after one renewal) or lacks permission. See <see cref="McpGatewayException.StatusCode"/>.</summary>
    Authentication,

    /// <summary>The server cannot be reached: DNS, refused connection, TLS failure, dropped connection.</summary>
    Connection,

    /// <summary>The operation took longer than its timeout.</summary>
    Timeout,

    /// <summary>The server answered with a 5xx status.</summary>
    Server,

    /// <summary>A JSON-RPC error (see <see cref="McpGatewayException.RpcErrorCode"/>), an unexpected HTTP status or a malformed reply.</summary>
    Protocol,

    /// <summary>404 without a session: no MCP server at that URL (wrong ORD id, tenant or gateway URL).</summary>
    NotFound,

    /// <summary>The server's tools/list pagination repeats a cursor or never ends.</summary>
    Pagination,

    /// <summary>A token would have been sent over plain http to a non-loopback host; nothing was sent.</summary>
    InsecureTransport,

    /// <summary>A local setting is unusable (for example the TrustedCaPath file).</summary>
    Configuration,

    /// <summary>The listing has no tool of that name (see <see cref="McpGatewayException.Candidates"/> for the closest names); nothing was called.</summary>
    ToolNotFound,

    /// <summary>Several dependencies have a tool of that name and none was named (see <see cref="McpGatewayException.Candidates"/>); nothing was called.</summary>
    AmbiguousTool,
}

/// <summary>
/// A failure of the MCP layer. The message says what to do and never holds a token.
/// Subclasses exist per <see cref="Kind"/> for catch clauses; <see cref="Kind"/> is the switch for the cmdlets.
/// </summary>
public class McpGatewayException : Exception
{
    public McpGatewayException()
    {
        Kind = McpErrorKind.Protocol;
    }

    public McpGatewayException(string message)
        : base(message)
    {
        Kind = McpErrorKind.Protocol;
    }

    public McpGatewayException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = McpErrorKind.Protocol;
    }

    public McpGatewayException(McpErrorKind kind, string message, Uri? endpoint = null, int? statusCode = null, int? rpcErrorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Endpoint = endpoint;
        StatusCode = statusCode;
        RpcErrorCode = rpcErrorCode;
    }

    public McpErrorKind Kind { get; }

    /// <summary>The MCP endpoint the failure concerns, when known.</summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>The HTTP status code, when the failure is one.</summary>
    public int? StatusCode { get; }

    /// <summary>The JSON-RPC error code, when the server answered with a JSON-RPC error.</summary>
    public int? RpcErrorCode { get; }

    /// <summary>What the failure is about when it is not an endpoint: an ORD id or a tool name.</summary>
    public string? Subject { get; private init; }

    /// <summary>
    /// For <see cref="McpErrorKind.ToolNotFound"/> the closest tool names ("did you mean"), for
    /// <see cref="McpErrorKind.AmbiguousTool"/> the servers that have the tool; otherwise empty.
    /// </summary>
    public IReadOnlyList<string> Candidates { get; private init; } = [];

    /// <summary>No tool <paramref name="toolName"/> where it was looked (<paramref name="scope"/>, as "the MCP server X").</summary>
    public static McpGatewayException ToolNotFound(string toolName, string scope, IReadOnlyList<string> closest, IReadOnlyList<string> unlisted)
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

        return new McpGatewayException(McpErrorKind.ToolNotFound, message) { Subject = toolName, Candidates = closest };
    }

    /// <summary>Several servers (<paramref name="servers"/>: ORD ids or endpoints) have <paramref name="toolName"/>.</summary>
    public static McpGatewayException AmbiguousTool(string toolName, IReadOnlyList<string> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        return new McpGatewayException(
            McpErrorKind.AmbiguousTool,
            $"The tool '{toolName}' is on {servers.Count} dependencies: {string.Join(", ", servers)}.")
        { Subject = toolName, Candidates = servers };
    }

    /// <summary>The credentials name no dependency with any of <paramref name="ordIds"/>.</summary>
    public static McpGatewayException NoDependency(IReadOnlyList<string> ordIds)
    {
        ArgumentNullException.ThrowIfNull(ordIds);
        return ordIds.Count == 1
            ? new McpGatewayException(McpErrorKind.NotFound, $"The credentials name no integration dependency with ORD id '{ordIds[0]}'.") { Subject = ordIds[0] }
            : new McpGatewayException(McpErrorKind.NotFound, $"The credentials name no integration dependency with ORD id {string.Join(", ", ordIds)}.") { Subject = string.Join(", ", ordIds) };
    }
}

/// <summary>401 or 403: the token was rejected (after one renewal when it came from the token provider) or lacks permission.</summary>
public sealed class McpAuthenticationException : McpGatewayException
{
    public McpAuthenticationException(string message, int statusCode, Uri? endpoint = null, Exception? innerException = null)
        : base(McpErrorKind.Authentication, message, endpoint, statusCode, null, innerException)
    {
    }

    public McpAuthenticationException()
        : base(McpErrorKind.Authentication, "The MCP operation failed.")
    {
    }

    public McpAuthenticationException(string message)
        : base(McpErrorKind.Authentication, message)
    {
    }

    public McpAuthenticationException(string message, Exception innerException)
        : base(McpErrorKind.Authentication, message, innerException: innerException)
    {
    }
}

/// <summary>The server cannot be reached (DNS, refused, TLS, dropped connection).</summary>
public sealed class McpConnectionException : McpGatewayException
{
    public McpConnectionException(string message, Uri? endpoint = null, Exception? innerException = null)
        : base(McpErrorKind.Connection, message, endpoint, null, null, innerException)
    {
    }

    public McpConnectionException()
        : base(McpErrorKind.Connection, "The MCP operation failed.")
    {
    }

    public McpConnectionException(string message)
        : base(McpErrorKind.Connection, message)
    {
    }

    public McpConnectionException(string message, Exception innerException)
        : base(McpErrorKind.Connection, message, innerException: innerException)
    {
    }
}

/// <summary>The operation exceeded its timeout.</summary>
public sealed class McpTimeoutException : McpGatewayException
{
    public McpTimeoutException(string message, TimeSpan timeout, Uri? endpoint = null, Exception? innerException = null)
        : base(McpErrorKind.Timeout, message, endpoint, null, null, innerException)
    {
        Timeout = timeout;
    }

    public McpTimeoutException()
        : base(McpErrorKind.Timeout, "The MCP operation failed.")
    {
    }

    public McpTimeoutException(string message)
        : base(McpErrorKind.Timeout, message)
    {
    }

    public McpTimeoutException(string message, Exception innerException)
        : base(McpErrorKind.Timeout, message, innerException: innerException)
    {
    }

    /// <summary>The timeout that elapsed.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>The server answered with a 5xx status.</summary>
public sealed class McpServerException : McpGatewayException
{
    public McpServerException(string message, int statusCode, Uri? endpoint = null, Exception? innerException = null)
        : base(McpErrorKind.Server, message, endpoint, statusCode, null, innerException)
    {
    }

    public McpServerException()
        : base(McpErrorKind.Server, "The MCP operation failed.")
    {
    }

    public McpServerException(string message)
        : base(McpErrorKind.Server, message)
    {
    }

    public McpServerException(string message, Exception innerException)
        : base(McpErrorKind.Server, message, innerException: innerException)
    {
    }
}

/// <summary>A JSON-RPC error (<see cref="McpGatewayException.RpcErrorCode"/>), an unexpected HTTP status or a malformed reply.</summary>
public sealed class McpProtocolErrorException : McpGatewayException
{
    public McpProtocolErrorException(string message, int? rpcErrorCode, int? statusCode = null, Uri? endpoint = null, Exception? innerException = null, string? rpcErrorMessage = null)
        : base(McpErrorKind.Protocol, message, endpoint, statusCode, rpcErrorCode, innerException)
    {
        RpcErrorMessage = rpcErrorMessage;
    }

    public McpProtocolErrorException()
        : base(McpErrorKind.Protocol, "The MCP operation failed.")
    {
    }

    public McpProtocolErrorException(string message)
        : base(McpErrorKind.Protocol, message)
    {
    }

    public McpProtocolErrorException(string message, Exception innerException)
        : base(McpErrorKind.Protocol, message, innerException: innerException)
    {
    }

    /// <summary>The server's own JSON-RPC error message, when it sent one.</summary>
    public string? RpcErrorMessage { get; }
}

/// <summary>404 without a session: no MCP server at that URL.</summary>
public sealed class McpNotFoundException : McpGatewayException
{
    public McpNotFoundException(string message, Uri? endpoint = null, Exception? innerException = null)
        : base(McpErrorKind.NotFound, message, endpoint, 404, null, innerException)
    {
    }

    public McpNotFoundException()
        : base(McpErrorKind.NotFound, "The MCP operation failed.")
    {
    }

    public McpNotFoundException(string message)
        : base(McpErrorKind.NotFound, message)
    {
    }

    public McpNotFoundException(string message, Exception innerException)
        : base(McpErrorKind.NotFound, message, innerException: innerException)
    {
    }
}

/// <summary>tools/list pagination repeated a cursor or exceeded the page limit.</summary>
public sealed class McpPaginationException : McpGatewayException
{
    public McpPaginationException(string message, Uri? endpoint = null)
        : base(McpErrorKind.Pagination, message, endpoint, null, null, null)
    {
    }

    public McpPaginationException()
        : base(McpErrorKind.Pagination, "The MCP operation failed.")
    {
    }

    public McpPaginationException(string message)
        : base(McpErrorKind.Pagination, message)
    {
    }

    public McpPaginationException(string message, Exception innerException)
        : base(McpErrorKind.Pagination, message, innerException: innerException)
    {
    }
}

/// <summary>A token would have gone over plain http to a non-loopback host; nothing was sent.</summary>
public sealed class McpInsecureTransportException : McpGatewayException
{
    public McpInsecureTransportException(string message, Uri? endpoint = null)
        : base(McpErrorKind.InsecureTransport, message, endpoint, null, null, null)
    {
    }

    public McpInsecureTransportException()
        : base(McpErrorKind.InsecureTransport, "The MCP operation failed.")
    {
    }

    public McpInsecureTransportException(string message)
        : base(McpErrorKind.InsecureTransport, message)
    {
    }

    public McpInsecureTransportException(string message, Exception innerException)
        : base(McpErrorKind.InsecureTransport, message, innerException: innerException)
    {
    }
}

/// <summary>A local setting (for example TrustedCaPath) is unusable.</summary>
public sealed class McpConfigurationException : McpGatewayException
{
    public McpConfigurationException()
        : base(McpErrorKind.Configuration, "The MCP operation failed.")
    {
    }

    public McpConfigurationException(string message)
        : base(McpErrorKind.Configuration, message)
    {
    }

    public McpConfigurationException(string message, Exception innerException)
        : base(McpErrorKind.Configuration, message, innerException: innerException)
    {
    }
}
