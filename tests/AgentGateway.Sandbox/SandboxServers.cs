using System.Globalization;
using System.Reflection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>One logical MCP server behind the gateway: its name, its tools, and whether tools/list is paginated.</summary>
internal sealed class SandboxServer
{
    public SandboxServer(string name, IReadOnlyList<McpServerTool> tools, int? pageSize, string instructions, Action<McpServerOptions>? primitives = null)
    {
        Primitives = primitives;
        Name = name;
        Tools = tools;
        PageSize = pageSize;
        Instructions = instructions;
    }

    public string Name { get; }

    public IReadOnlyList<McpServerTool> Tools { get; }

    /// <summary>Page size of tools/list, or null for one page.</summary>
    public int? PageSize { get; }

    public string Instructions { get; }

    /// <summary>The resources, templates, prompts and completions of the server (<see cref="SandboxPrimitives"/>), or null for none.</summary>
    public Action<McpServerOptions>? Primitives { get; }

    /// <summary>Configures the per-session options of an MCP session on this server.</summary>
    /// <param name="options">The options of the new session.</param>
    /// <param name="listing">The gateway's listing knobs (schema revision, ttlMs), read at every tools/list.</param>
    public void Configure(McpServerOptions options, ISandboxListing listing)
    {
        options.ServerInfo = new Implementation { Name = Name, Version = "1.0.0", Title = $"AgentGateway {Name}" };
        options.ServerInstructions = Instructions;
        var collection = new McpServerPrimitiveCollection<McpServerTool>();
        foreach (var tool in Tools)
        {
            collection.Add(tool);
        }

        options.ToolCollection = collection;
        Primitives?.Invoke(options);
        if (PageSize is { } size)
        {
            var tools = Tools;
            options.Filters.Request.ListToolsFilters.Add(_ => (request, _) =>
            {
                var offset = 0;
                if (request.Params?.Cursor is { } cursor &&
                    (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0 || offset > tools.Count))
                {
                    throw new ModelContextProtocol.McpProtocolException("invalid cursor", ModelContextProtocol.McpErrorCode.InvalidParams);
                }

                var result = new ListToolsResult();
                foreach (var tool in tools.Skip(offset).Take(size))
                {
                    result.Tools.Add(tool.ProtocolTool);
                }

                var next = offset + size;
                result.NextCursor = next < tools.Count ? next.ToString(CultureInfo.InvariantCulture) : null;
                return ValueTask.FromResult(result);
            });
        }
        else
        {
            options.Filters.Request.ListToolsFilters.Add(next => async (request, ct) =>
            {
                var result = await next(request, ct).ConfigureAwait(false);
                return listing.Revise(result);
            });
        }
    }
}

/// <summary>What the gateway's admin knobs do to a tools/list answer (a schema change, a TTL hint).</summary>
internal interface ISandboxListing
{
    ListToolsResult Revise(ListToolsResult result);
}

/// <summary>The catalogue of sandbox MCP servers.</summary>
internal static class SandboxServers
{
    public static SandboxServer Travel() => new(
        "sandbox-travel",
        [
            Tool(nameof(SandboxTools.Echo)),
            Tool(nameof(SandboxTools.Ping)),
            Tool(nameof(SandboxTools.Add)),
            Tool(nameof(SandboxTools.GetWeather)),
            Tool(nameof(SandboxTools.Slow)),
            Tool(nameof(SandboxTools.InspectArguments)),
        ],
        pageSize: null,
        "Travel tools: echo, add, weather, a slow tool with progress, and argument inspection.",
        SandboxPrimitives.Travel);

    public static SandboxServer Crm() => new(
        "sandbox-crm",
        [
            Tool(nameof(SandboxTools.Ping)),
            Tool(nameof(SandboxTools.FindCustomer)),
            Tool(nameof(SandboxTools.GetLogo)),
            Tool(nameof(SandboxTools.ReportError)),
            Tool(nameof(SandboxTools.ThrowError)),
            Tool(nameof(SandboxTools.MixedContent)),
        ],
        pageSize: null,
        "CRM tools: customers (structured), a logo (image), errors (isError and JSON-RPC), mixed content.",
        SandboxPrimitives.Crm);

    /// <summary>Many small tools with a small page size, so tools/list takes several pages.</summary>
    public static SandboxServer Catalog(int pageSize)
    {
        var tools = new List<McpServerTool>();
        for (var i = 1; i <= 12; i++)
        {
            var n = i.ToString("00", CultureInfo.InvariantCulture);
            tools.Add(McpServerTool.Create(
                (string? message) => $"catalog-item-{n}: {message}",
                new McpServerToolCreateOptions
                {
                    Name = $"catalog-item-{n}",
                    Description = $"Catalogue entry {n}: echoes the message with its name.",
                    ReadOnly = true,
                }));
        }

        return new SandboxServer("sandbox-catalog", tools, Math.Max(1, pageSize), "A catalogue of many tools; tools/list is paginated.");
    }

    /// <summary>echo and ping only: the servers that exist to show a session mode.</summary>
    public static SandboxServer Basic(string name) => new(
        name,
        [Tool(nameof(SandboxTools.Echo)), Tool(nameof(SandboxTools.Ping))],
        pageSize: null,
        $"{name}: echo and ping.");

    /// <summary>The stateless server: echo, ping, and book-trip as multi round-trip requests (2026-07-28 clients).</summary>
    public static SandboxServer Stateless(SandboxStats stats) => new(
        "sandbox-stateless",
        [
            Tool(nameof(SandboxTools.Echo)),
            Tool(nameof(SandboxTools.Ping)),
            McpServerTool.Create(
                (RequestContext<CallToolRequestParams> request) => SandboxTools.BookTripStateless(request, stats.Server("sandbox-stateless")),
                new McpServerToolCreateOptions { Name = "book-trip", Description = "Asks the user (form elicitation, as an input-required result) where to go, for how many nights, the cabin and breakfast; returns the answer." }),
        ],
        pageSize: null,
        "sandbox-stateless: echo, ping, and book-trip (elicitation over multi round-trip requests).");

    /// <summary>Tools that ask the client things during a call: a form and a URL elicitation, log notifications and a ping.</summary>
    public static SandboxServer Desk(SandboxStats stats) => new(
        "sandbox-desk",
        [
            McpServerTool.Create(
                (McpServer server, CancellationToken ct) => SandboxTools.BookTripAsync(server, stats.Server("sandbox-desk"), ct),
                new McpServerToolCreateOptions { Name = "book-trip", Description = "Asks the user (form elicitation) where to go, for how many nights, the cabin and breakfast; returns the answer." }),
            McpServerTool.Create(
                (McpServer server, CancellationToken ct) => SandboxTools.OpenConsentAsync(server, stats.Server("sandbox-desk"), ct),
                new McpServerToolCreateOptions { Name = "open-consent", Description = "Asks the user (URL elicitation) to approve a budget on a web page; returns the answer." }),
            McpServerTool.Create(
                (McpServer server, CancellationToken ct) => SandboxTools.ChattyAsync(server, ct),
                new McpServerToolCreateOptions { Name = "chatty", Description = "Sends two log notifications and pings the client before answering." }),
        ],
        pageSize: null,
        "Desk tools: they elicit (form, URL), log and ping the client during the call.");

    private static McpServerTool Tool(string methodName)
    {
        var method = typeof(SandboxTools).GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"no tool method {methodName}");
        return McpServerTool.Create(method, target: null);
    }
}
