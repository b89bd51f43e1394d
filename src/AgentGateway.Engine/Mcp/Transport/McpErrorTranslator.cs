using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Http;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>Maps what the SDK and the HTTP stack throw to <see cref="McpGatewayException"/>s that say what happened.</summary>
internal static class McpErrorTranslator
{
    private const string RemotePrefix = "Request failed (remote): ";

    /// <summary>
    /// What a failure of an operation on <paramref name="endpoint"/> was, as an <see cref="McpGatewayException"/>.
    /// <paramref name="rpcMethod"/> is the JSON-RPC method of the operation (for a tools/call, a failure after the
    /// request was sent says that the tool may have run).
    /// </summary>
    public static McpGatewayException Translate(Exception exception, Uri endpoint, string? rpcMethod = null)
    {
        if (Find<McpGatewayException>(exception) is { } own)
        {
            own.Endpoint ??= endpoint;
            return own;
        }

        var where = endpoint.GetLeftPart(UriPartial.Path);
        var what = rpcMethod ?? "the request";
        var note = AfterSendNote(rpcMethod);

        if (Find<McpProtocolException>(exception) is { } rpc)
        {
            var message = rpc.Message.StartsWith(RemotePrefix, StringComparison.Ordinal) ? rpc.Message[RemotePrefix.Length..] : rpc.Message;
            return RpcError((int)rpc.ErrorCode, message, endpoint, exception);
        }

        if (Find<TimeoutException>(exception) is { } timeout)
        {
            return McpGatewayException.TimedOut($"The MCP server at '{where}' did not complete the handshake in time.", TimeSpan.Zero, endpoint, timeout);
        }

        if (Find<HttpProxyException>(exception) is { } proxy)
        {
            return McpGatewayException.ProxyFailure(proxy.Message, proxy.Proxy, proxy.ProxyStatus, endpoint, proxy);
        }

        if (Find<HttpRequestException>(exception) is { } http)
        {
            return FromHttp(http, endpoint, where, what, note);
        }

        if (Find<AuthenticationException>(exception) is { } tls)
        {
            return McpGatewayException.Tls($"The TLS connection to '{where}' failed: {tls.Message}", TlsFailureCause.Handshake, endpoint, tls);
        }

        if (Find<ClientTransportClosedException>(exception) is { } closed)
        {
            return closed.Details is HttpClientCompletionDetails { HttpStatusCode: { } status }
                ? FromStatus(status, endpoint, where, closed)
                : McpGatewayException.Connection($"The connection to the MCP server at '{where}' closed: {closed.Message}", endpoint, closed);
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            return McpGatewayException.Connection($"Cannot reach the MCP server at '{where}': {socket.Message}", endpoint, socket);
        }

        if (Find<JsonException>(exception) is { } json)
        {
            return McpGatewayException.MalformedReply($"The MCP server at '{where}' sent an answer to {what} that is not valid MCP: {json.Message}{note}", endpoint, json);
        }

        if (Find<McpException>(exception) is { } mcp)
        {
            // The SDK's "POST response completed without a reply": the answer held nothing it could read as this
            // request's reply. What was wrong with it is named where the response guard could tell; this is the rest.
            return mcp.Message.Contains("without a reply", StringComparison.Ordinal)
                ? McpGatewayException.MalformedReply($"The MCP server at '{where}' sent no reply to {what} that could be read as JSON-RPC.{note}", endpoint, mcp)
                : McpGatewayException.Protocol($"MCP protocol failure with '{where}': {mcp.Message}", endpoint, mcp);
        }

        if (Find<IOException>(exception) is { } io)
        {
            return McpGatewayException.ConnectionLost($"The connection to the MCP server at '{where}' broke after {what} was sent ({io.Message}).{note}", endpoint, io);
        }

        return McpGatewayException.Protocol($"The MCP operation on '{where}' failed: {exception.Message}", endpoint, exception);
    }

    /// <summary>
    /// A JSON-RPC error of the server at <paramref name="endpoint"/>: the server's own words, made fit for a terminal
    /// in the message; <see cref="McpGatewayException.RpcErrorMessage"/> keeps them as sent.
    /// </summary>
    internal static McpGatewayException RpcError(int code, string message, Uri endpoint, Exception inner) =>
        McpGatewayException.Protocol(
            $"The MCP server at '{endpoint.GetLeftPart(UriPartial.Path)}' answered with JSON-RPC error {code}: {ServerText.ForTerminal(message, ServerText.DefaultMaxLength)}",
            endpoint,
            inner,
            rpcErrorCode: code,
            rpcErrorMessage: message);

    /// <summary>For a tools/call that failed after it was sent: the tool may have run, and a second call may run it again.</summary>
    internal static string AfterSendNote(string? rpcMethod) =>
        rpcMethod == "tools/call" ? " The tool may have run: calling it again may run it again." : string.Empty;

    /// <summary>Failures of the HTTP stack before the request left: a connection was never made, so nothing was sent.</summary>
    internal static bool IsBeforeSend(HttpRequestException http) =>
        http.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError
            or HttpRequestError.ProxyTunnelError or HttpRequestError.VersionNegotiationError or HttpRequestError.ExtendedConnectNotSupported;

    /// <summary>
    /// A 404 to a request that carried a session id: the server forgot the session; or a local server whose process
    /// had ended before the request was written to it (nothing reached it).
    /// </summary>
    public static bool IsSessionGone(Exception exception, McpPooledClient session)
    {
        if (Find<LocalServerEndedException>(exception) is not null)
        {
            return true;
        }

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

    private static McpGatewayException FromHttp(HttpRequestException http, Uri endpoint, string where, string what, string note)
    {
        if (http.StatusCode is { } status)
        {
            return FromStatus(status, endpoint, where, http);
        }

        if (Find<AuthenticationException>(http) is { } tls)
        {
            return McpGatewayException.Tls($"The TLS connection to '{where}' failed ({tls.Message}).", TlsFailureCause.Handshake, endpoint, http);
        }

        if (http.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return McpGatewayException.Tls($"The TLS connection to '{where}' failed ({http.Message}).", TlsFailureCause.Handshake, endpoint, http);
        }

        if (!IsBeforeSend(http))
        {
            // The request may have reached the server: the connection broke while it was sent or answered.
            return McpGatewayException.ConnectionLost($"The connection to the MCP server at '{where}' broke after {what} was sent ({http.Message}).{note}", endpoint, http);
        }

        var reason = http.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"the host name '{endpoint.Host}' does not resolve",
            HttpRequestError.ConnectionError => "no connection could be made (refused, or no answer)",
            _ => http.Message,
        };
        return McpGatewayException.Connection($"Cannot reach the MCP server at '{where}': {reason}; nothing was sent.", endpoint, http);
    }

    private static McpGatewayException FromStatus(HttpStatusCode status, Uri endpoint, string where, Exception inner)
    {
        var code = (int)status;
        return code switch
        {
            401 or 403 => McpGatewayException.Authentication($"The MCP server at '{where}' refused the request (HTTP {code}).", code, endpoint, innerException: inner),
            404 => McpGatewayException.NoServer($"There is no MCP server at '{where}' (HTTP 404).", endpoint, inner),
            429 => McpGatewayException.Throttled($"The MCP server at '{where}' is throttling (HTTP 429): the request was waited out and sent again as often as allowed, and was not processed.", endpoint, inner),
            >= 500 => McpGatewayException.Server($"The MCP server at '{where}' failed (HTTP {code}). Try again later or ask its owners.", code, endpoint, inner),
            _ => McpGatewayException.Protocol($"The MCP server at '{where}' rejected the request (HTTP {code}).", endpoint, inner, statusCode: code),
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
