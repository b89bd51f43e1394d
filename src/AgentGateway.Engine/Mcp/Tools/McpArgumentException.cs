using System.Text;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// Tool arguments break the tool's input schema; nothing was sent. The cmdlet layer reports it with
/// ErrorCategory.InvalidArgument. The message lists every violation and never holds an argument's value.
/// </summary>
public sealed class McpArgumentException : ArgumentException
{
    public McpArgumentException()
        : base("The tool arguments do not match the tool's input schema.")
    {
        Violations = [];
    }

    public McpArgumentException(string message)
        : base(message)
    {
        Violations = [];
    }

    public McpArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [];
    }

    internal McpArgumentException(string? toolName, IReadOnlyList<ToolArgumentViolation> violations)
        : base(FormatMessage(toolName, violations ?? throw new ArgumentNullException(nameof(violations))))
    {
        ToolName = toolName;
        Violations = violations;
    }

    /// <summary>The tool whose schema was broken, when known.</summary>
    public string? ToolName { get; }

    /// <summary>Every violation found, in the order the schema reported them.</summary>
    public IReadOnlyList<ToolArgumentViolation> Violations { get; }

    private static string FormatMessage(string? toolName, IReadOnlyList<ToolArgumentViolation> violations)
    {
        var text = new StringBuilder();
        text.Append(string.IsNullOrEmpty(toolName)
            ? "The arguments do not match the tool's input schema"
            : $"The arguments for tool '{toolName}' do not match its input schema");
        text.Append(violations.Count == 1 ? ":" : $" ({violations.Count} problems):");
        foreach (var violation in violations)
        {
            text.Append(Environment.NewLine).Append("  - ").Append(violation.Message);
        }

        return text.ToString();
    }
}
