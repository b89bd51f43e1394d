using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>The tools of the sandbox MCP servers (what each server exposes is decided in <see cref="SandboxServers"/>).</summary>
internal static class SandboxTools
{
    // A 1x1 transparent PNG.
    internal const string TinyPngBase64 =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    // ---- shared -----------------------------------------------------------------------------------

    [McpServerTool(Name = "echo", ReadOnly = true, Idempotent = true), Description("Returns the message unchanged.")]
    public static string Echo([Description("The text to send back.")] string message) => message;

    [McpServerTool(Name = "ping", ReadOnly = true), Description("Answers pong and names the server (the same tool name exists on several servers).")]
    public static string Ping(McpServer server) => $"pong from {server.ServerOptions.ServerInfo?.Name}";

    // ---- travel ------------------------------------------------------------------------------------

    [McpServerTool(Name = "add", ReadOnly = true, Idempotent = true), Description("Adds two numbers.")]
    public static double Add([Description("First addend.")] double a, [Description("Second addend.")] double b) => a + b;

    [McpServerTool(Name = "get-weather", ReadOnly = true, UseStructuredContent = true),
     Description("Current weather for a city, as structured content (the tool has an outputSchema).")]
    public static WeatherReport GetWeather([Description("City name, e.g. Walldorf.")] string city) =>
        new(city, 21.5, "sunny", new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero), ["no rain", "light wind"]);

    [McpServerTool(Name = "slow"),
     Description("Waits the given number of seconds, sending notifications/progress when the request has a progressToken; honours cancellation.")]
    public static async Task<string> Slow(
        [Description("How long to wait, in seconds (0-600).")] double seconds,
        IProgress<ProgressNotificationValue> progress,
        CancellationToken cancellationToken)
    {
        if (seconds is < 0 or > 600 || double.IsNaN(seconds))
        {
            throw new McpProtocolException("seconds must be between 0 and 600", McpErrorCode.InvalidParams);
        }

        var total = TimeSpan.FromSeconds(seconds);
        var step = TimeSpan.FromMilliseconds(200);
        var started = TimeProvider.System.GetTimestamp();
        var elapsed = TimeSpan.Zero;
        progress.Report(new ProgressNotificationValue { Progress = 0, Total = (float)seconds, Message = "started" });
        while (elapsed < total)
        {
            var wait = total - elapsed < step ? total - elapsed : step;
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            elapsed = TimeProvider.System.GetElapsedTime(started);
            var done = Math.Min(elapsed.TotalSeconds, seconds);
            progress.Report(new ProgressNotificationValue
            {
                Progress = (float)done,
                Total = (float)seconds,
                Message = string.Create(CultureInfo.InvariantCulture, $"{done:0.0}s of {seconds:0.0}s"),
            });
        }

        return string.Create(CultureInfo.InvariantCulture, $"waited {seconds}s");
    }

    [McpServerTool(Name = "inspect-arguments", ReadOnly = true),
     Description("Echoes back the arguments exactly as received (structuredContent.arguments, and as JSON text), with the JSON kind of each.")]
    public static CallToolResult InspectArguments(
        RequestContext<CallToolRequestParams> request,
        [Description("A string.")] string? name = null,
        [Description("An integer.")] int? count = null,
        [Description("A boolean.")] bool? flag = null,
        [Description("An enum value.")] Priority? priority = null,
        [Description("A date and time (ISO-8601).")] DateTimeOffset? when = null,
        [Description("An array of strings.")] string[]? tags = null,
        [Description("A nested object.")] Address? address = null,
        [Description("Any JSON value.")] JsonElement? extra = null)
    {
        _ = (name, count, flag, priority, when, tags, address, extra);
        var arguments = new JsonObject();
        var kinds = new JsonObject();
        if (request.Params?.Arguments is { } args)
        {
            foreach (var (key, value) in args)
            {
                arguments[key] = JsonNode.Parse(value.GetRawText());
                kinds[key] = value.ValueKind.ToString();
            }
        }

        var structured = new JsonObject { ["arguments"] = arguments, ["kinds"] = kinds };
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = arguments.ToJsonString() }],
            StructuredContent = JsonSerializer.SerializeToElement(structured),
        };
    }

    // ---- crm ---------------------------------------------------------------------------------------

    [McpServerTool(Name = "find-customer", ReadOnly = true, UseStructuredContent = true),
     Description("Looks customers up by name (structured content with an outputSchema).")]
    public static CustomerSearchResult FindCustomer(
        [Description("Part of the customer name.")] string query,
        [Description("Maximum number of results.")] int limit = 10)
    {
        Customer[] all =
        [
            new("C-1001", "ACME Corporation", "Walldorf", true),
            new("C-1002", "Globex Inc.", "Palo Alto", false),
            new("C-1003", "Acme Rockets", "Berlin", true),
        ];
        var hits = all.Where(c => c.Name.Contains(query, StringComparison.OrdinalIgnoreCase)).Take(Math.Max(0, limit)).ToArray();
        return new CustomerSearchResult(hits.Length, hits);
    }

    [McpServerTool(Name = "get-logo", ReadOnly = true), Description("Returns the company logo as an image content block (a 1x1 PNG).")]
    public static CallToolResult GetLogo() => new()
    {
        Content =
        [
            new ImageContentBlock { Data = System.Text.Encoding.ASCII.GetBytes(TinyPngBase64), MimeType = "image/png" },
        ],
    };

    [McpServerTool(Name = "report-error"), Description("Always fails as a tool: the result has isError: true.")]
    public static CallToolResult ReportError([Description("Why it fails.")] string reason = "the sandbox was asked to fail") => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"Tool failed: {reason}" }],
    };

    [McpServerTool(Name = "throw-error"), Description("Always fails at the protocol level: a JSON-RPC error with the given code (default -32602).")]
    public static string ThrowError([Description("JSON-RPC error code.")] int code = (int)McpErrorCode.InvalidParams) =>
        throw new McpProtocolException($"The sandbox refuses this call (code {code.ToString(CultureInfo.InvariantCulture)}).", (McpErrorCode)code);

    [McpServerTool(Name = "mixed-content", ReadOnly = true), Description("Returns text, a resource link and an embedded resource.")]
    public static CallToolResult MixedContent() => new()
    {
        Content =
        [
            new TextContentBlock { Text = "Customer C-1001 has 2 open orders." },
            new ResourceLinkBlock
            {
                Uri = "sandbox://crm/customers/C-1001",
                Name = "customer-C-1001",
                Title = "ACME Corporation",
                MimeType = "application/json",
            },
            new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents
                {
                    Uri = "sandbox://crm/customers/C-1001/orders",
                    MimeType = "application/json",
                    Text = """[{"id":"O-1","total":120.5},{"id":"O-2","total":99}]""",
                },
            },
        ],
    };

    // ---- desk --------------------------------------------------------------------------------------

    /// <summary>A form elicitation with every kind of field; the answer comes back as text: the action, then the content as JSON.</summary>
    public static async Task<CallToolResult> BookTripAsync(McpServer server, SandboxServerStats stats, CancellationToken ct)
    {
        stats.AddElicitation();
        var answer = await server.ElicitAsync(TripQuestion(), ct).ConfigureAwait(false);
        return Answer(answer);
    }

    /// <summary>
    /// book-trip on a stateless server at 2026-07-28, as multi round-trip requests (MRTR) do it: the first tools/call
    /// gets an input-required result (the form of <see cref="TripQuestion"/> and a request state); the client answers
    /// the form and sends the tools/call again with its answer and the state, which brings the result. No session and
    /// no server-to-client request: any server instance can take the second round.
    /// </summary>
    public static CallToolResult BookTripStateless(RequestContext<CallToolRequestParams> request, SandboxServerStats stats)
    {
        var parameters = request.Params;
        if (parameters?.InputResponses is { } responses && responses.TryGetValue(TripInputKey, out var response))
        {
            if (parameters.RequestState != TripRequestState)
            {
                throw new McpProtocolException("book-trip: the request state did not come back unchanged.", McpErrorCode.InvalidParams);
            }

            return Answer(JsonSerializer.Deserialize(response.RawValue, InputResponse.ElicitResultJsonTypeInfo)
                ?? throw new McpProtocolException("book-trip: the answer to the form is empty.", McpErrorCode.InvalidParams));
        }

        if (!request.Server.IsMrtrSupported)
        {
            return new CallToolResult { Content = [new TextContentBlock { Text = "book-trip needs a client that speaks 2026-07-28 (input-required results)." }], IsError = true };
        }

        stats.AddElicitation();
        throw new InputRequiredException(new Dictionary<string, InputRequest> { [TripInputKey] = InputRequest.ForElicitation(TripQuestion()) }, TripRequestState);
    }

    private const string TripInputKey = "trip";
    private const string TripRequestState = "asked-for-the-trip";

    /// <summary>The form of book-trip: destination, nights (default 2), cabin (enum, default economy), breakfast (default true).</summary>
    private static ElicitRequestParams TripQuestion() =>
            new ElicitRequestParams
            {
                Message = "Where to, and for how long?",
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties =
                    {
                        ["destination"] = new ElicitRequestParams.StringSchema { Title = "Destination", Description = "The city to travel to.", MinLength = 2 },
                        ["nights"] = new ElicitRequestParams.NumberSchema { Type = "integer", Title = "Nights", Description = "How many nights (1-30).", Minimum = 1, Maximum = 30, Default = 2 },
                        ["cabin"] = new ElicitRequestParams.TitledSingleSelectEnumSchema
                        {
                            Title = "Cabin",
                            Description = "The cabin class.",
                            OneOf = [new() { Const = "economy", Title = "Economy" }, new() { Const = "business", Title = "Business" }],
                            Default = "economy",
                        },
                        ["breakfast"] = new ElicitRequestParams.BooleanSchema { Title = "Breakfast", Description = "Breakfast included?", Default = true },
                    },
                    Required = ["destination", "nights"],
                },
            };

    /// <summary>A URL elicitation: the user is asked to open a page (nothing is opened here).</summary>
    public static async Task<CallToolResult> OpenConsentAsync(McpServer server, SandboxServerStats stats, CancellationToken ct)
    {
        stats.AddElicitation();
        var answer = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Mode = "url",
                Message = "Approve the travel budget on the consent page.",
                Url = "https://consent.sandbox.invalid/budget/42",
                ElicitationId = Guid.NewGuid().ToString("N"),
            },
            ct).ConfigureAwait(false);
        return Answer(answer);
    }

    /// <summary>Two log notifications and a ping, on the call's stream, before the result.</summary>
    public static async Task<string> ChattyAsync(McpServer server, CancellationToken ct)
    {
        // Logging is deprecated from 2026-07-28 on (SEP-2577), but servers of the earlier revisions still send it.
#pragma warning disable MCP9005
        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Info, Logger = "desk", Data = JsonSerializer.SerializeToElement("checking the budget") },
            cancellationToken: ct).ConfigureAwait(false);
        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Warning, Data = JsonSerializer.SerializeToElement(new { note = "budget nearly spent" }) },
            cancellationToken: ct).ConfigureAwait(false);
#pragma warning restore MCP9005
        var pong = await server.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.Ping }, ct).ConfigureAwait(false);
        return pong.Result is JsonObject { Count: 0 } ? "the client answered ping" : "the client answered ping oddly";
    }

    private static CallToolResult Answer(ElicitResult answer) => new()
    {
        Content =
        [
            new TextContentBlock
            {
                Text = answer.Content is { } content
                    ? $"{answer.Action} {JsonSerializer.Serialize(content)}"
                    : answer.Action,
            },
        ],
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<Priority>))]
internal enum Priority
{
    Low,
    Normal,
    High,
}

internal sealed record Address(
    [property: Description("Street and number.")] string Street,
    [property: Description("City.")] string City,
    [property: Description("Geo coordinates [lat, lon].")] double[]? Coordinates = null,
    [property: Description("Whether this is the primary address.")] bool Primary = false);

internal sealed record WeatherReport(string City, double TemperatureC, string Conditions, DateTimeOffset ObservedAt, string[] Notes);

internal sealed record Customer(string Id, string Name, string City, bool Active);

internal sealed record CustomerSearchResult(int Count, Customer[] Customers);
