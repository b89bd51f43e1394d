namespace AgentGateway.Engine.Mcp;

/// <summary>What went wrong with a resource, a resource template or a prompt, before or instead of a request.</summary>
public enum McpPrimitiveProblem
{
    /// <summary>The server does not declare the capability (resources, prompts, completions) in its answer to initialize.</summary>
    NotOffered,

    /// <summary>No listed resource or prompt has that name (see <see cref="McpPrimitiveException.Candidates"/>); nothing was sent.</summary>
    NotFound,

    /// <summary>The arguments of a prompt or a resource template are incomplete or unknown to it; nothing was sent.</summary>
    ArgumentsInvalid,

    /// <summary>A resource's content could not be written to a file.</summary>
    OutputFailed,
}
