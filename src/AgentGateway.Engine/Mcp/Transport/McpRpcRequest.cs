using System.Text.Json;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>The JSON-RPC request an HTTP request carries: its method and its id as raw JSON (null for a notification).</summary>
internal sealed record McpRpcRequest(string? Method, string? Id)
{
    /// <summary>Where <see cref="McpRpcRequestHandler"/> leaves it on the request, for <see cref="McpResponseGuard"/>.</summary>
    public static HttpRequestOptionsKey<McpRpcRequest> OptionsKey => new("AgentGateway.Mcp.RpcRequest");

    /// <summary>A request (a method and an id) expects a reply; a notification or a response of the client's does not.</summary>
    public bool ExpectsReply => Method is not null && Id is not null;

    /// <summary>Whether <paramref name="id"/> (raw JSON, as a server echoed it) names this request: equal as JSON values.</summary>
    public bool IsAnsweredBy(string? id)
    {
        if (Id is null || id is null)
        {
            return false;
        }

        if (string.Equals(Id, id, StringComparison.Ordinal))
        {
            return true;
        }

        // The same value written another way (an escape in a string, a number with an exponent).
        try
        {
            using var ours = JsonDocument.Parse(Id);
            using var theirs = JsonDocument.Parse(id);
            var (a, b) = (ours.RootElement, theirs.RootElement);
            return (a.ValueKind, b.ValueKind) switch
            {
                (JsonValueKind.String, JsonValueKind.String) => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
                (JsonValueKind.Number, JsonValueKind.Number) => a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y) && x == y,
                _ => false,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
