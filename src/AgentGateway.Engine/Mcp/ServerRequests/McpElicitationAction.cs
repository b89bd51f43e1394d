using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace AgentGateway.Engine.Mcp.ServerRequests;

/// <summary>The user's (or script's) answer to an elicitation.</summary>
internal enum McpElicitationAction
{
    Accept,
    Decline,
    Cancel,
}
