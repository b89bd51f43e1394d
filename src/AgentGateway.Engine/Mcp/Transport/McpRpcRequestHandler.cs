using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Reads the JSON-RPC request an HTTP request carries, once: the body is buffered (so a resend is byte-identical)
/// and its method and id are left on the request (<see cref="McpRpcRequest.OptionsKey"/>) for the handlers after
/// it and for <see cref="McpResponseGuard"/> (what the answer must reply to).
/// </summary>
internal sealed class McpRpcRequestHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is { } content)
        {
            var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var buffered = new ByteArrayContent(body);
            foreach (var header in content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = buffered;
            content.Dispose();
            if (ReadJsonRpcRequest(body) is { } rpc)
            {
                request.Options.Set(McpRpcRequest.OptionsKey, rpc);
            }
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The JSON-RPC method of <paramref name="request"/> (left by this handler), or null.</summary>
    public static string? MethodOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(McpRpcRequest.OptionsKey, out var rpc) ? rpc.Method : null;

    /// <summary>The <c>method</c> of a JSON-RPC request or notification body, or null (a response, a batch, not JSON).</summary>
    internal static string? ReadJsonRpcMethod(ReadOnlySpan<byte> body) => ReadJsonRpcRequest(body)?.Method;

    /// <summary>
    /// The <c>method</c> and <c>id</c> (raw JSON: a string keeps its quotes) of a JSON-RPC message body; null when the
    /// body is no JSON object (a batch, not JSON). A response has an id and no method; a notification a method and no id.
    /// </summary>
    internal static McpRpcRequest? ReadJsonRpcRequest(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? method = null;
            string? id = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMethod = reader.ValueTextEquals("method"u8);
                var isId = !isMethod && reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isMethod)
                {
                    method = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (isId && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
                {
                    var raw = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                    id = reader.TokenType == JsonTokenType.String ? $"\"{raw}\"" : raw;
                }

                if (method is not null && id is not null)
                {
                    break;
                }

                reader.TrySkip();
            }

            return new McpRpcRequest(method, id);
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
