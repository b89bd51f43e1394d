using System.Text.Json;
using AgentGateway.Engine.Concurrency;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Where the response guard leaves a result it read itself (a tools/call result, a tools/list page), for the flow that
/// sent the request:
/// the guard parses the reply once (one UTF-8 copy, kept as the result's <see cref="JsonElement"/>) and hands the
/// SDK a reply with an empty result, so the SDK never holds the result as a string and a node besides. Set for the
/// current async flow by the call (<see cref="Begin"/>) around its request; the guard, below the SDK in the same
/// flow, fills the slot of that request id only.
/// </summary>
internal sealed class McpResultSlot
{
    private static readonly Ambient<McpResultSlot> s_current = new();

    private McpResultSlot(string requestId, int maxDepth)
    {
        RequestId = requestId;
        MaxDepth = maxDepth;
    }

    /// <summary>The slot of the current flow's call, or null.</summary>
    public static McpResultSlot? Current => s_current.Current;

    /// <summary>The id of the request whose result goes here, as raw JSON.</summary>
    public string RequestId { get; }

    /// <summary>
    /// The deepest nesting of the reply the guard reads (<see cref="McpMessageScanner.MaxDepth"/>, as the SDK would; a
    /// listing takes <see cref="McpMessageScanner.OffloadedMaxDepth"/> and judges each entry's depth itself).
    /// </summary>
    public int MaxDepth { get; }

    /// <summary>The result the guard took out of the reply; null when the SDK's reply holds it (an error, a result that asks for input).</summary>
    public JsonElement? Result { get; private set; }

    /// <summary>
    /// A large JSON-RPC error the guard took out of the reply (its code, and its message as sent): the SDK got a
    /// stand-in with the same code and a short message; null when there was none.
    /// </summary>
    public (int Code, string Message)? Error { get; private set; }

    /// <summary>The size in bytes of the reply the result came in.</summary>
    public long ReplySize { get; private set; }

    /// <summary>Opens a slot for request <paramref name="requestId"/> (raw JSON) in the current flow; disposing restores the previous.</summary>
    public static Scope Begin(string requestId, int maxDepth = McpMessageScanner.MaxDepth)
    {
        var slot = new McpResultSlot(requestId, maxDepth);
        return new Scope(slot, s_current.Use(slot));
    }

    internal void Fill(JsonElement result, long replySize)
    {
        Result = result;
        ReplySize = replySize;
    }

    internal void FillError(int code, string message) => Error = (code, message);

    /// <summary>
    /// What the SDK's exception <paramref name="e"/> for this request is when the guard took its error out: the
    /// JSON-RPC error with the server's whole message (the SDK's holds the stand-in's); null otherwise.
    /// </summary>
    public McpGatewayException? ErrorFor(Exception e, Uri endpoint) =>
        Error is { } error && e is ModelContextProtocol.McpProtocolException rpc && (int)rpc.ErrorCode == error.Code
            ? McpErrorTranslator.RpcError(error.Code, error.Message, endpoint, e)
            : null;

    /// <summary>The open slot; disposing it puts the previous one back.</summary>
    internal readonly struct Scope(McpResultSlot slot, Ambient<McpResultSlot>.Scope set) : IDisposable
    {
        public McpResultSlot Slot => slot;

        public void Dispose() => set.Dispose();
    }
}
