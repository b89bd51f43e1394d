using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGateway.Sandbox;

/// <summary>
/// Resources, resource templates, prompts and completions of the sandbox servers that offer them (travel and crm), as
/// plain handlers: what resources/list, resources/templates/list, resources/read, prompts/list, prompts/get and
/// completion/complete answer. The other servers declare none of these capabilities.
/// </summary>
public static class SandboxPrimitives
{
    /// <summary>The cities the travel guides and completions know.</summary>
    public static readonly string[] Cities = ["Lisbon", "London", "Lyon", "Madrid", "Paris"];

    /// <summary>The bytes of travel://images/logo.png (a PNG header and some bytes: a blob that is not text).</summary>
    public static readonly byte[] Logo = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x10, 0x80, 0x7F, 0x01];

    internal static void Travel(McpServerOptions options)
    {
        Resources(
            options,
            [
                new Resource { Uri = "travel://guides/lisbon", Name = "lisbon-guide", Title = "Lisbon guide", Description = "A short guide to Lisbon.", MimeType = "text/markdown" },
                new Resource { Uri = "travel://images/logo.png", Name = "logo", Description = "The travel logo (a blob).", MimeType = "image/png", Size = Logo.Length },
            ],
            [
                new ResourceTemplate { UriTemplate = "travel://guides/{city}", Name = "city-guide", Description = "The guide to a city.", MimeType = "text/markdown" },
                new ResourceTemplate { UriTemplate = "travel://bundle/{name}", Name = "bundle", Description = "A bundle: a text and a blob." },
            ],
            uri =>
            {
                if (uri == "travel://images/logo.png")
                {
                    return [Blob(uri, "image/png", Logo)];
                }

                if (uri.StartsWith("travel://guides/", StringComparison.Ordinal))
                {
                    var city = Uri.UnescapeDataString(uri["travel://guides/".Length..]);
                    return [new TextResourceContents { Uri = uri, MimeType = "text/markdown", Text = $"# {city}\nSee the sights of {city}." }];
                }

                if (uri.StartsWith("travel://bundle/", StringComparison.Ordinal))
                {
                    var name = uri["travel://bundle/".Length..];
                    return
                    [
                        new TextResourceContents { Uri = $"travel://bundle/{name}/readme.txt", MimeType = "text/plain", Text = $"Bundle {name}" },
                        Blob($"travel://bundle/{name}/logo.png", "image/png", Logo),
                    ];
                }

                return null;
            });

        Prompts(
            options,
            [
                new Prompt
                {
                    Name = "plan-trip",
                    Title = "Plan a trip",
                    Description = "Plans a trip to a destination.",
                    Arguments =
                    [
                        new PromptArgument { Name = "destination", Description = "Where to go.", Required = true },
                        new PromptArgument { Name = "nights", Description = "How many nights.", Required = false },
                    ],
                },
                new Prompt { Name = "greet", Description = "A greeting, no arguments." },
            ],
            (name, args) => name switch
            {
                "plan-trip" => new GetPromptResult
                {
                    Description = "A trip plan",
                    Messages =
                    [
                        new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Plan {Arg(args, "nights") ?? "3"} nights in {Arg(args, "destination")}." } },
                        new PromptMessage { Role = Role.Assistant, Content = ImageContentBlock.FromBytes(Logo, "image/png") },
                        new PromptMessage
                        {
                            Role = Role.User,
                            Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "travel://guides/lisbon", MimeType = "text/markdown", Text = "# Lisbon" } },
                        },
                    ],
                },
                "greet" => new GetPromptResult { Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Hello from sandbox-travel." } }] },
                _ => null,
            });

        options.Handlers.CompleteHandler = (request, _) =>
        {
            var p = request.Params!;
            var typed = p.Argument.Value ?? string.Empty;
            string[] values = (p.Ref, p.Argument.Name) switch
            {
                (PromptReference { Name: "plan-trip" }, "destination") or (ResourceTemplateReference { Uri: "travel://guides/{city}" }, "city") =>
                    [.. Cities.Where(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase))],
                // The nights depend on the destination typed before (the context): a city in Europe gets short stays.
                (PromptReference { Name: "plan-trip" }, "nights") =>
                    p.Context?.Arguments is { } context && context.TryGetValue("destination", out var destination) && destination == "Lisbon" ? ["2", "3", "4"] : ["7", "14"],
                _ => [],
            };
            return ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = [.. values], Total = values.Length, HasMore = false } });
        };
    }

    internal static void Crm(McpServerOptions options)
    {
        Resources(
            options,
            [new Resource { Uri = "crm://customers/index.json", Name = "customer-index", Description = "Every customer id.", MimeType = "application/json" }],
            [],
            uri => uri == "crm://customers/index.json" ? [new TextResourceContents { Uri = uri, MimeType = "application/json", Text = "[\"C-1\",\"C-2\"]" }] : null);
        Prompts(
            options,
            [new Prompt { Name = "summarize-customer", Description = "Summarizes a customer.", Arguments = [new PromptArgument { Name = "customerId", Required = true }] }],
            (name, args) => name == "summarize-customer"
                ? new GetPromptResult { Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Summarize customer {Arg(args, "customerId")}." } }] }
                : null);
    }

    private static void Resources(McpServerOptions options, IList<Resource> resources, IList<ResourceTemplate> templates, Func<string, List<ResourceContents>?> read)
    {
        options.Handlers.ListResourcesHandler = (_, _) => ValueTask.FromResult(new ListResourcesResult { Resources = resources });
        options.Handlers.ListResourceTemplatesHandler = (_, _) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = templates });
        options.Handlers.ReadResourceHandler = (request, _) =>
        {
            var uri = request.Params!.Uri;
            var contents = read(uri) ?? throw new McpProtocolException($"no resource '{uri}'", (McpErrorCode)(-32002));
            return ValueTask.FromResult(new ReadResourceResult { Contents = contents });
        };
    }

    private static void Prompts(McpServerOptions options, IList<Prompt> prompts, Func<string, IDictionary<string, JsonElement>?, GetPromptResult?> get)
    {
        options.Handlers.ListPromptsHandler = (_, _) => ValueTask.FromResult(new ListPromptsResult { Prompts = prompts });
        options.Handlers.GetPromptHandler = (request, _) =>
            ValueTask.FromResult(get(request.Params!.Name, request.Params.Arguments) ?? throw new McpProtocolException($"no prompt '{request.Params.Name}'", McpErrorCode.InvalidParams));
    }

    private static string? Arg(IDictionary<string, JsonElement>? args, string name) =>
        args is not null && args.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static BlobResourceContents Blob(string uri, string mimeType, byte[] bytes) =>
        BlobResourceContents.FromBytes(bytes, uri, mimeType);
}
