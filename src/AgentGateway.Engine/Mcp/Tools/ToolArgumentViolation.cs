namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// One way in which tool arguments break the tool's input schema.
/// </summary>
/// <param name="Path">
/// JSON Pointer (RFC 6901) to the offending value, e.g. <c>/address/zip</c> or <c>/tags/0</c>; for a missing
/// required property, the pointer the property would have (<c>/message</c>); <c>""</c> for the arguments object itself.
/// </param>
/// <param name="Rule">
/// The schema keyword that failed: <c>required</c>, <c>type</c>, <c>enum</c>, <c>minimum</c>, <c>pattern</c>,
/// <c>additionalProperties</c>, <c>anyOf</c>, … (<c>false</c> for a property the schema forbids outright).
/// </param>
/// <param name="Message">
/// Human text naming the property and the rule. It never holds an argument's value, only its JSON type;
/// it may quote the schema (limits, allowed values, patterns).
/// </param>
public sealed record ToolArgumentViolation(string Path, string Rule, string Message)
{
    public override string ToString() => Message;
}
