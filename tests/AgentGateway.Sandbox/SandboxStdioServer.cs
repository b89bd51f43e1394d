using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>
/// The sandbox's local MCP server over stdio (<c>agw-sandbox stdio</c>): the travel server's tools, resources, prompts
/// and completions, plus tools that show what a client must handle from a local process: <c>whoami</c> (its process
/// id, and the names of the credentials' variables it can see), <c>crash</c> (exits at once, mid-call) and
/// <c>complain</c> (writes lines to stderr, one with escape sequences), <c>too-big</c> (answers with as many megabytes as asked). It writes a line to stderr when it starts.
/// </summary>
internal static class SandboxStdioServer
{
    public static async Task<int> RunAsync()
    {
        var options = new McpServerOptions { ServerInfo = new Implementation { Name = "sandbox-stdio", Version = "1.0.0" } };
        var tools = new McpServerPrimitiveCollection<McpServerTool>();
        foreach (var tool in SandboxServers.Travel().Tools)
        {
            tools.Add(tool);
        }

        tools.Add(McpServerTool.Create(
            () => $"pid={Environment.ProcessId}; credentials variables: [{string.Join(",", Environment.GetEnvironmentVariables().Keys.OfType<string>().Where(k => k.StartsWith("INTEGRATION_", StringComparison.Ordinal) || k == "SERVICE_BINDING_ROOT").Order(StringComparer.Ordinal))}]; AGW_STDIO_MARK={Environment.GetEnvironmentVariable("AGW_STDIO_MARK")}",
            new McpServerToolCreateOptions { Name = "whoami", Description = "The process id, the credentials' variables it sees (names only), and AGW_STDIO_MARK." }));
        tools.Add(McpServerTool.Create(
            () =>
            {
                Environment.Exit(3);
                return "never";
            },
            new McpServerToolCreateOptions { Name = "crash", Description = "Exits the process at once (exit code 3), mid-call." }));
        tools.Add(McpServerTool.Create(
            async () =>
            {
                await Console.Error.WriteLineAsync("complaint one").ConfigureAwait(false);
                await Console.Error.WriteLineAsync("complaint \u001b]0;pwned\u0007 two \u001b[2J").ConfigureAwait(false);
                await Console.Error.FlushAsync().ConfigureAwait(false);
                await Task.Delay(200).ConfigureAwait(false);
                return "complained";
            },
            new McpServerToolCreateOptions { Name = "complain", Description = "Writes two lines to stderr (one with escape sequences), then answers." }));
        tools.Add(McpServerTool.Create(
            (double megabytes) => new string('x', (int)(Math.Clamp(megabytes, 0, 64) * 1024 * 1024)),
            new McpServerToolCreateOptions { Name = "too-big", Description = "Answers with a text of that many megabytes (at most 64), on one line: past the response size limit when it is lower." }));
        options.ToolCollection = tools;
        SandboxPrimitives.Travel(options);

        await Console.Error.WriteLineAsync($"sandbox-stdio {Environment.ProcessId} ready").ConfigureAwait(false);
        await using var transport = new StdioServerTransport("sandbox-stdio");
        await using var server = McpServer.Create(transport, options);
        await server.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
