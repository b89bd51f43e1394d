using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.Negotiation;

/// <summary>
/// Checks the answer to the SDK's <c>server/discover</c> probe before the SDK reads it, and turns an answer the SDK
/// cannot use into the one it falls back on (HTTP 404: "this server needs <c>initialize</c>"). The SDK already falls
/// back on a JSON-RPC error, HTTP 400 or 404 and no answer in time; what it does not cover, and this does: HTTP 405
/// (or any other 4xx but 401/403, which the auth handlers own), a result that is empty (<c>{}</c>, what small
/// hand-written servers answer to any method they do not know), malformed (fields of the wrong type, which the SDK
/// throws on), or without <see cref="McpNegotiation.SessionlessRevision"/> among its supported versions.
/// Only the discovery is looked at; every other request passes untouched.
/// </summary>
internal sealed class DiscoveryCheckHandler : DelegatingHandler
{
    /// <summary>The most of a discovery answer read (a real one is a few hundred bytes).</summary>
    private const int MaxDiscoveryAnswer = 256 * 1024;

    // Every other request passes without a state machine of this handler (fewer methods to JIT on a first call).
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        IsDiscovery(request) ? CheckDiscoveryAsync(request, cancellationToken) : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> CheckDiscoveryAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500 && status is not (400 or 401 or 403 or 404))
        {
            return Unusable(request, response, $"HTTP {status}");
        }

        if (!response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Accepted)
        {
            return response;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            return Unusable(request, response, "an answer too large for a discovery");
        }

        var message = mediaType == "text/event-stream" ? FromEventStream(body) : Parse(body);
        if (message is JsonObject reply && reply.ContainsKey("error"))
        {
            return Rebuilt(response, body); // a JSON-RPC error: the SDK's own fallback (or its -32020/-32021 error) applies
        }

        if (FindProblem(message) is { } problem)
        {
            return Unusable(request, response, problem);
        }

        return Rebuilt(response, body);
    }

    /// <summary>Why a discovery answer cannot be used, or null when it can.</summary>
    internal static string? FindProblem(JsonNode? message)
    {
        if (message is not JsonObject reply || reply["result"] is not JsonObject result)
        {
            return "no discovery result";
        }

        if (result.Count == 0)
        {
            return "an empty result";
        }

        if (result["supportedVersions"] is not JsonArray versions || versions.Any(v => v is not JsonValue value || value.GetValueKind() != JsonValueKind.String))
        {
            return "a result without a list of supported versions";
        }

        if (!versions.Any(v => v!.GetValue<string>() == McpNegotiation.SessionlessRevision))
        {
            return $"a result without {McpNegotiation.SessionlessRevision} among the supported versions";
        }

        if (result["capabilities"] is not JsonObject)
        {
            return "a result without capabilities";
        }

        if (result["_meta"] is { } meta && (meta is not JsonObject metaObject ||
            (metaObject.TryGetPropertyValue("io.modelcontextprotocol/serverInfo", out var info) && info is not JsonObject)))
        {
            return "a result whose serverInfo is malformed";
        }

        try
        {
            _ = result.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(DiscoverResult)));
            if (result["_meta"]?["io.modelcontextprotocol/serverInfo"] is JsonObject serverInfo)
            {
                _ = serverInfo.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Implementation)));
            }
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return "a malformed result";
        }

        return null;
    }

    private static bool IsDiscovery(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post
        && request.Headers.TryGetValues("Mcp-Method", out var methods)
        && methods.Contains(RequestMethods.ServerDiscover, StringComparer.Ordinal);

    private static HttpResponseMessage Unusable(HttpRequestMessage request, HttpResponseMessage response, string why)
    {
        response.Dispose();
        Diagnostics.CallLog.Verbose($"MCP server at {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered server/discover with {why}: it needs initialize.");
        return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request, Content = new ByteArrayContent([]) };
    }

    private static HttpResponseMessage Rebuilt(HttpResponseMessage response, byte[] body)
    {
        var content = new ByteArrayContent(body);
        foreach (var header in response.Content.Headers)
        {
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        response.Content.Dispose();
        response.Content = content;
        return response;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxDiscoveryAnswer)
            {
                throw new InvalidDataException();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static JsonNode? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first message of an event stream that is a reply (has a result or an error).</summary>
    private static JsonNode? FromEventStream(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var data = string.Join('\n', block.Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l.Length > 5 && l[5] == ' ' ? l[6..] : l[5..]));
            if (data.Length > 0 && Parse(Encoding.UTF8.GetBytes(data)) is JsonObject message && (message.ContainsKey("result") || message.ContainsKey("error")))
            {
                return message;
            }
        }

        return null;
    }
}
