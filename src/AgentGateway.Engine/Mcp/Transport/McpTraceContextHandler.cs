using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// W3C trace context on every MCP request: the <c>traceparent</c> header (<see cref="AgwTelemetry.TraceParent"/>), and the
/// same value in a JSON-RPC request's <c>params._meta.traceparent</c> (where the MCP SDK puts it when its own Activity is
/// listened to), unless the request carries one already. After <see cref="McpRpcRequestHandler"/> (the body is
/// buffered) and before the retries, so a resend is identical.
/// </summary>
internal sealed class McpTraceContextHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var traceParent = request.Headers.TryGetValues(AgwTelemetry.TraceParentHeader, out var given) ? given.FirstOrDefault() : null;
        if (traceParent is null)
        {
            traceParent = AgwTelemetry.TraceParent();
            request.Headers.TryAddWithoutValidation(AgwTelemetry.TraceParentHeader, traceParent);
        }

        if (request.Method == HttpMethod.Post && request.Content is ByteArrayContent content && McpRpcRequestHandler.MethodOf(request) is not null)
        {
            var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (WithTraceParent(body, traceParent) is { } changed)
            {
                var replaced = new ByteArrayContent(changed);
                foreach (var header in content.Headers)
                {
                    if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        replaced.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                request.Content = replaced;
                content.Dispose();
            }
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body with <c>params._meta.traceparent</c> set, or null when it has one, has no params object, or is no JSON object.</summary>
    internal static byte[]? WithTraceParent(byte[] body, string traceParent)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject message || message["params"] is not JsonObject parameters)
            {
                return null;
            }

            if (parameters["_meta"] is JsonObject meta)
            {
                if (meta.ContainsKey(AgwTelemetry.TraceParentHeader))
                {
                    return null;
                }

                meta[AgwTelemetry.TraceParentHeader] = traceParent;
            }
            else if (parameters["_meta"] is null)
            {
                parameters["_meta"] = new JsonObject { [AgwTelemetry.TraceParentHeader] = traceParent };
            }
            else
            {
                return null;
            }

            // Written by the node itself: JsonSerializer with the default options would build the reflection-based
            // resolver (every built-in converter, JIT-compiled on a first call) to write a JsonObject it does not need.
            var buffer = new ArrayBufferWriter<byte>(body.Length + traceParent.Length + 32);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                message.WriteTo(writer);
            }

            return buffer.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
