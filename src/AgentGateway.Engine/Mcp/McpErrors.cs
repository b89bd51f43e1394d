using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace AgentGateway.Engine.Mcp;

/// <summary>Maps what the SDK and the HTTP stack throw to <see cref="McpGatewayException"/>s that say what to do.</summary>
internal static class McpErrors
{
    private const string RemotePrefix = "Request failed (remote): ";

    public static McpGatewayException Translate(Exception exception, Uri endpoint)
    {
        if (Find<McpGatewayException>(exception) is { } own)
        {
            own.Endpoint ??= endpoint;
            return own;
        }

        var where = endpoint.GetLeftPart(UriPartial.Path);

        if (Find<McpProtocolException>(exception) is { } rpc)
        {
            var message = rpc.Message.StartsWith(RemotePrefix, StringComparison.Ordinal) ? rpc.Message[RemotePrefix.Length..] : rpc.Message;
            return new McpProtocolErrorException(
                $"The MCP server at '{where}' answered with JSON-RPC error {(int)rpc.ErrorCode}: {message}",
                (int)rpc.ErrorCode,
                endpoint: endpoint,
                innerException: exception,
                rpcErrorMessage: message);
        }

        if (Find<TimeoutException>(exception) is { } timeout)
        {
            return new McpTimeoutException($"The MCP server at '{where}' did not complete the handshake in time. Check that it is up, or raise Timeout with Set-AgwClientConfig.", TimeSpan.Zero, endpoint, timeout);
        }

        if (Find<HttpRequestException>(exception) is { } http)
        {
            return FromHttp(http, endpoint, where);
        }

        if (Find<AuthenticationException>(exception) is { } tls)
        {
            return new McpConnectionException($"The TLS connection to '{where}' failed: {tls.Message} If the gateway uses a private CA, set its PEM file with Set-AgwClientConfig -TrustedCaPath.", endpoint, tls);
        }

        if (Find<ClientTransportClosedException>(exception) is { } closed)
        {
            return closed.Details is HttpClientCompletionDetails { HttpStatusCode: { } status }
                ? FromStatus(status, endpoint, where, closed)
                : new McpConnectionException($"The connection to the MCP server at '{where}' closed: {closed.Message}", endpoint, closed);
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            return new McpConnectionException($"Cannot reach the MCP server at '{where}': {socket.Message}", endpoint, socket);
        }

        if (Find<JsonException>(exception) is { } json)
        {
            return new McpProtocolErrorException($"The MCP server at '{where}' sent a reply that is not valid MCP: {json.Message}", null, endpoint: endpoint, innerException: json);
        }

        if (Find<McpException>(exception) is { } mcp)
        {
            return new McpProtocolErrorException($"MCP protocol failure with '{where}': {mcp.Message}", null, endpoint: endpoint, innerException: mcp);
        }

        if (Find<IOException>(exception) is { } io)
        {
            return new McpConnectionException($"The connection to the MCP server at '{where}' failed: {io.Message}", endpoint, io);
        }

        return new McpProtocolErrorException($"The MCP operation on '{where}' failed: {exception.Message}", null, endpoint: endpoint, innerException: exception);
    }

    /// <summary>A 404 to a request that carried a session id: the server forgot the session.</summary>
    public static bool IsSessionGone(Exception exception, McpPooledSession session)
    {
        if (session.Client.SessionId is null)
        {
            return false;
        }

        if (Find<HttpRequestException>(exception) is { StatusCode: HttpStatusCode.NotFound })
        {
            return true;
        }

        return Find<ClientTransportClosedException>(exception) is { Details: HttpClientCompletionDetails { HttpStatusCode: HttpStatusCode.NotFound } };
    }

    private static McpGatewayException FromHttp(HttpRequestException http, Uri endpoint, string where)
    {
        if (http.StatusCode is { } status)
        {
            return FromStatus(status, endpoint, where, http);
        }

        if (Find<AuthenticationException>(http) is { } tls || http.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return new McpConnectionException(
                $"The TLS connection to '{where}' failed ({Find<AuthenticationException>(http)?.Message ?? http.Message}). If the gateway uses a private CA, set its PEM file with Set-AgwClientConfig -TrustedCaPath.",
                endpoint,
                http);
        }

        var reason = http.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name '{endpoint.Host}' does not resolve. Check the gateway URL.",
            HttpRequestError.ConnectionError => "the connection was refused or dropped. Check that the gateway is up and the URL and port are right.",
            _ => http.Message,
        };
        return new McpConnectionException($"Cannot reach the MCP server at '{where}': {reason}", endpoint, http);
    }

    private static McpGatewayException FromStatus(HttpStatusCode status, Uri endpoint, string where, Exception inner)
    {
        var code = (int)status;
        return code switch
        {
            401 or 403 => new McpAuthenticationException($"The MCP server at '{where}' refused the request (HTTP {code}). Check the credentials or -AccessToken.", code, endpoint, inner),
            404 => new McpNotFoundException($"There is no MCP server at '{where}' (HTTP 404). Check the ORD id, the tenant id and the gateway URL.", endpoint, inner),
            >= 500 => new McpServerException($"The MCP server at '{where}' failed (HTTP {code}). Try again later or ask its owners.", code, endpoint, inner),
            _ => new McpProtocolErrorException($"The MCP server at '{where}' rejected the request (HTTP {code}).", null, code, endpoint, inner),
        };
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find<T>(inner) is { } found)
                    {
                        return found;
                    }
                }
            }
        }

        return null;
    }
}
