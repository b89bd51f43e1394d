using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>What an answer holds for its request: the judgement when the body has ended, and a reply's result taken into the slot.</summary>
internal sealed partial class McpResponseStream
{
    /// <summary>The JSON-RPC error code of "URL elicitation required", whose data the SDK reads.</summary>
    private const int UrlElicitationRequiredCode = -32042;

    /// <summary>The body ended: for a request that expects a reply, fails when it proves to hold none.</summary>
    private void AtEnd()
    {
        if (_rpc is null)
        {
            return;
        }

        if (_mode == Mode.Json)
        {
            var shape = _scanner.End();
            if (Judge(shape, body: true) is { } problem)
            {
                throw McpGatewayException.MalformedReply(problem, _uri);
            }

            if (_message is not null)
            {
                var message = _message.Detach();
                _ready.Enqueue(Offload(shape, message) is { } replacement ? replacement : message);
            }

            return;
        }

        if (_mode == Mode.EventStream && !_replySeen && !_eventIdSeen)
        {
            var why = _otherReplies.Count > 0 ? $": it brought a reply to another request (id {string.Join(", ", _otherReplies)}), not to this one (id {Show(_rpc.Id)})"
                : _firstProblem is not null ? $": {_firstProblem}"
                : _events == 0 ? ", having sent no event"
                : string.Create(CultureInfo.InvariantCulture, $", having sent {_events} other message(s)");
            throw McpGatewayException.MalformedReply(
                $"The event stream of the MCP server at '{McpResponseGuard.Where(_uri)}' ended without a reply to {_what}{why}.{McpErrorTranslator.AfterSendNote(_what)}",
                _uri);
        }
    }

    /// <summary>
    /// A reply to this request taken out for the SDK: a success reply has its result parsed into the slot, a large
    /// error (<see cref="LargeAnswers.Threshold"/> or more) its code and message; returns the reply the SDK gets
    /// instead (an empty result, or the same error with a short message and no data); null when the message stays as
    /// it is (a small error, a result that asks for input, an error the SDK acts on or cannot read, not UTF-8).
    /// </summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The document lives as long as the result element the slot keeps; it holds no pooled buffer of ours.")]
    private byte[]? Offload(McpMessageShape shape, ReadOnlyMemory<byte> message)
    {
        if (_slot is null || !shape.IsValid || !shape.IsReply || !_rpc!.IsAnsweredBy(shape.Id) || (!shape.HasResult && message.Length < LargeAnswers.Threshold))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = _slot.MaxDepth });
        }
        catch (JsonException)
        {
            // Not UTF-8, say: the SDK reads it and says what it makes of it.
            return null;
        }

        if (!shape.HasResult)
        {
            using (document)
            {
                return OffloadError(document.RootElement);
            }
        }

        if (!document.RootElement.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object ||
            (result.TryGetProperty("resultType", out var type) && type.ValueKind == JsonValueKind.String && !type.ValueEquals("complete")))
        {
            // A result the SDK acts on (it asks for input, and the SDK sends the request again): the SDK gets it whole,
            // and copies it several times over; so only up to an eighth of the limit (at least 1 MB), which keeps a
            // call within twice the limit. A request for input is small; one past that is the server's fault.
            document.Dispose();
            var most = Math.Max(LargeAnswers.Threshold, _limit / 8);
            if (message.Length > most)
            {
                throw McpGatewayException.Protocol(
                    string.Create(CultureInfo.InvariantCulture, $"The answer of the MCP server at '{McpResponseGuard.Where(_uri)}' to {_what} asks for input with a result of {message.Length} bytes; the module takes a request for input of at most {most} bytes (an eighth of the response size limit, at least 1 MB).{McpErrorTranslator.AfterSendNote(_what)}"),
                    _uri);
            }

            return null;
        }

        _slot.Fill(result, message.Length);
        return Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + _rpc.Id + ",\"result\":{}}");
    }

    /// <summary>
    /// A large error reply: its code and message (a string, as sent) into the slot, and the stand-in the SDK gets (the
    /// same id and code); its data, which the module does not read, goes. Null when the SDK should read it: an error
    /// it acts on (URL elicitation required, whose data it reads), one without an integer code and a string message,
    /// a message that is no valid UTF-16 (the SDK says what it makes of it).
    /// </summary>
    private byte[]? OffloadError(JsonElement root)
    {
        if (!root.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object ||
            !error.TryGetProperty("code", out var codeElement) || !codeElement.TryGetInt32(out var code) || code == UrlElicitationRequiredCode ||
            !error.TryGetProperty("message", out var messageElement) || messageElement.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string text;
        try
        {
            text = messageElement.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        _slot!.FillError(code, text);
        return Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"jsonrpc\":\"2.0\",\"id\":{_rpc!.Id},\"error\":{{\"code\":{code},\"message\":\"(a message of {text.Length} characters, read by the response guard)\"}}}}"));
    }

    /// <summary>
    /// What is wrong with one message for this request: null when it is fine, or is not about this request (an
    /// event stream carries requests and notifications too). <paramref name="body"/>: the message is the whole answer.
    /// </summary>
    private string? Judge(McpMessageShape shape, bool body)
    {
        var answer = $"The answer of the MCP server at '{McpResponseGuard.Where(_uri)}' to {_what}";
        var note = McpErrorTranslator.AfterSendNote(_what);
        if (!shape.IsValid)
        {
            var problem = shape.Problem == "it is empty" && body
                ? $"The MCP server at '{McpResponseGuard.Where(_uri)}' answered {_what} with an empty body, not a reply.{note}"
                : $"{answer} {(shape.TooDeep ? "cannot be read" : "is not valid JSON")}: {shape.Problem}.{note}";
            return body || _rpc!.IsAnsweredBy(shape.Id) ? problem : Remember(shape.Problem!);
        }

        if (shape.KeysEscaped)
        {
            // A key written with escapes may be "id" or "result" in disguise: the SDK reads it; what it makes of it stands.
            return null;
        }

        if (!shape.IsObject)
        {
            return body ? $"{answer} is JSON but not a JSON-RPC message (not an object).{note}" : Remember("an event is JSON but not a JSON-RPC message");
        }

        if (shape.IsReply)
        {
            if (_rpc!.IsAnsweredBy(shape.Id))
            {
                _replySeen = true;
                return null;
            }

            if (body)
            {
                return shape.Id is null or "null"
                    ? $"{answer} is a reply that names no request (id {shape.Id ?? "missing"}), not a reply to this one (id {Show(_rpc.Id)}).{note}"
                    : $"{answer} is a reply to another request (id {Show(shape.Id)}), not to this one (id {Show(_rpc.Id)}).{note}";
            }

            if (_otherReplies.Count < 3)
            {
                _otherReplies.Add(Show(shape.Id ?? "missing"));
            }

            return null;
        }

        if (body)
        {
            return shape.HasMethod
                ? $"{answer} is a request or notification of its own, not a reply.{note}"
                : $"{answer} is a JSON object that is no JSON-RPC message (no result, error or method).{note}";
        }

        return null;
    }

    private string? Remember(string problem)
    {
        _firstProblem ??= $"an event is not valid JSON ({problem})";
        return null;
    }

    private static string Show(string? id) => Diagnostics.ServerText.ForTerminal(id, 80);
}
