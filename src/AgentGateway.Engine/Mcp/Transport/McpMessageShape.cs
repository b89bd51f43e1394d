namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>What <see cref="McpMessageScanner"/> found in one message.</summary>
/// <param name="Problem">Why the message is not JSON the SDK reads (null when it is): a syntax error with its byte, a bare
/// <c>Infinity</c>, nesting deeper than <see cref="McpMessageScanner.MaxDepth"/>, an empty or unfinished message.</param>
/// <param name="TooDeep">The problem is the nesting.</param>
/// <param name="IsObject">The message is a JSON object (as every JSON-RPC message is).</param>
/// <param name="HasMethod">It has a top-level <c>method</c>: a request or a notification.</param>
/// <param name="IsReply">It has a top-level <c>result</c> or <c>error</c>, and no <c>method</c>.</param>
/// <param name="Id">The top-level <c>id</c> as raw JSON (a string keeps its quotes), cut to 128 bytes; null when none was seen.</param>
/// <param name="KeysEscaped">A top-level key was written with an escape: it may be one of those read here in disguise, so
/// what the message is was not told for sure.</param>
/// <param name="HasResult">It has a top-level <c>result</c> (a success reply, when it is a reply).</param>
internal readonly record struct McpMessageShape(string? Problem, bool TooDeep, bool IsObject, bool HasMethod, bool IsReply, string? Id, bool KeysEscaped = false, bool HasResult = false)
{
    public bool IsValid => Problem is null;
}
