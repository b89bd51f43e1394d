namespace AgentGateway.Engine.Mcp;

/// <summary>
/// A resource, resource template or prompt could not be used as asked (<see cref="Problem"/>): the server does not offer
/// that primitive, none has the name, its arguments are incomplete, or its content could not be written. The message
/// says what happened and never holds an argument's value.
/// </summary>
public sealed class McpPrimitiveException : Exception
{
    public McpPrimitiveException()
    {
    }

    public McpPrimitiveException(string message)
        : base(message)
    {
    }

    public McpPrimitiveException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public McpPrimitiveException(McpPrimitiveProblem problem, string message, string? subject = null, Uri? endpoint = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        Subject = subject;
        Endpoint = endpoint;
    }

    public McpPrimitiveProblem Problem { get; }

    /// <summary>The prompt, resource, template or file the failure is about.</summary>
    public string? Subject { get; }

    /// <summary>The MCP endpoint, when one was involved.</summary>
    public Uri? Endpoint { get; }

    /// <summary>What the failure is about: "resource" (a resource or template) or "prompt".</summary>
    public string Primitive { get; init; } = "resource";

    /// <summary>The closest names, for <see cref="McpPrimitiveProblem.NotFound"/>.</summary>
    public IReadOnlyList<string> Candidates { get; init; } = [];
}
