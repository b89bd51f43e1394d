using System.Globalization;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// The HTTP handler under the MCP SDK that bounds and checks every answer it reads: each response's body is read
/// through an <see cref="McpResponseStream"/>, which stops at the response size limit (a JSON body as a whole, an
/// event stream per event, so a <c>data:</c> line that never ends fails at the limit) and, for a request that
/// expects a reply, names what is wrong with the answer where the SDK would only say that no reply came: an
/// unexpected content type, JSON that is not valid or nests too deep, a reply to another request, a connection
/// that broke while the answer was read. Failures before the answer (no connection) pass through unchanged.
/// </summary>
internal sealed class McpResponseGuard(long maxResponseSize) : DelegatingHandler
{
    public const string JsonMediaType = "application/json";
    public const string EventStreamMediaType = "text/event-stream";

    /// <summary>The limit in bytes of one answer (a JSON body, or one event of a stream).</summary>
    public long MaxResponseSize { get; } = maxResponseSize > 0 ? maxResponseSize : throw new ArgumentOutOfRangeException(nameof(maxResponseSize));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rpc = request.Method == HttpMethod.Post && request.Options.TryGetValue(McpRpcRequest.OptionsKey, out var carried) ? carried : null;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var uri = request.RequestUri!;
        var what = rpc?.Method ?? request.Method.Method;
        var expectsReply = rpc is { ExpectsReply: true } && response.IsSuccessStatusCode;
        var contentType = response.Content.Headers.ContentType;
        var mediaType = contentType?.MediaType;

        // The SDK reads these two exactly (and waits for nothing else): anything else to a request is no reply.
        if (expectsReply && mediaType is not (JsonMediaType or EventStreamMediaType))
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw McpGatewayException.MalformedReply(
                $"The MCP server at '{Where(uri)}' answered {what} with HTTP {status} and {(mediaType is null ? "no content type" : $"content type '{Diagnostics.ServerText.ForTerminal(mediaType, 100)}'")}, not a JSON-RPC reply (application/json or text/event-stream).{McpErrorTranslator.AfterSendNote(what)}",
                uri);
        }

        var mode = mediaType switch
        {
            EventStreamMediaType => McpResponseStream.Mode.EventStream,
            JsonMediaType when contentType!.CharSet is null || contentType.CharSet.Equals("utf-8", StringComparison.OrdinalIgnoreCase) => McpResponseStream.Mode.Json,
            _ => McpResponseStream.Mode.Other,
        };
        if (mode != McpResponseStream.Mode.EventStream && response.Content.Headers.ContentLength is { } declared && declared > MaxResponseSize)
        {
            response.Dispose();
            throw TooLarge(uri, what, MaxResponseSize, eventOfStream: false, declared);
        }

        // A tools/call or tools/list of this flow (McpGatewayClient) has its result taken out before the SDK reads it.
        var slot = expectsReply && rpc!.Method is "tools/call" or "tools/list" && McpResultSlot.Current is { } open && open.RequestId == rpc.Id ? open : null;
        var original = response.Content;
        var body = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var guarded = new StreamContent(new McpResponseStream(body, original, MaxResponseSize, mode, uri, what, expectsReply ? rpc : null, slot, original.Headers.ContentLength));
        foreach (var header in original.Headers)
        {
            // A reply whose result is taken out is shorter than announced: the SDK must not size its buffer by it.
            if (slot is null || !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                guarded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        response.Content = guarded;
        return response;
    }

    internal static string Where(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    internal static McpGatewayException TooLarge(Uri uri, string what, long limit, bool eventOfStream, long? declared = null)
    {
        var size = string.Create(CultureInfo.InvariantCulture, $"{limit / 1048576.0:0.###} MB");
        var subject = eventOfStream
            ? $"An event of the answer of the MCP server at '{Where(uri)}' to {what} is larger than the response size limit of {size} (MaxResponseSizeMB)"
            : $"The answer of the MCP server at '{Where(uri)}' to {what} is larger than the response size limit of {size} (MaxResponseSizeMB)";
        var stop = declared is { } length
            ? string.Create(CultureInfo.InvariantCulture, $"; it announced {length} bytes, and none was read.")
            : "; reading stopped at the limit.";
        return McpGatewayException.ResponseTooLarge(subject + stop + McpErrorTranslator.AfterSendNote(what), limit, uri);
    }
}
